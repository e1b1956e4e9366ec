import { ensureDatabase, runMigrations, serviceDataSourceOptions } from '@switchyard/database';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import type { GatewayEnv } from '../config/gateway.env';
import { WorkspaceEntity } from '../management/workspace.entity';
import { GatewayInit1730000000000 } from './migrations/1730000000000-gateway-init';

export const GATEWAY_SCHEMA = 'gateway';

export async function gatewayDataSourceOptions(env: GatewayEnv): Promise<DataSourceOptions> {
  await ensureDatabase(env.DATABASE_URL);
  return serviceDataSourceOptions({
    url: env.DATABASE_URL,
    schema: GATEWAY_SCHEMA,
    poolMax: env.DATABASE_POOL_MAX,
    entities: [WorkspaceEntity, ApiKeyEntity],
    migrations: [GatewayInit1730000000000],
    statementTimeoutMs: 10_000,
  });
}

/** Initializes the data source and, unless disabled, migrates the `gateway` schema under an advisory lock. */
export async function createGatewayDataSource(options: DataSourceOptions, env: GatewayEnv): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  if (env.RUN_MIGRATIONS) await runMigrations(dataSource, GATEWAY_SCHEMA);
  return dataSource;
}
