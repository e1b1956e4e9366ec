import { ServiceDatabaseModule } from '@switchyard/database';
import { ApiKeyEntity } from '../auth/api-key.entity';
import type { GatewayEnv } from '../config/gateway.env';
import { WorkspaceEntity } from '../management/workspace.entity';
import { GatewayInit1730000000000 } from './migrations/1730000000000-gateway-init';

export const GATEWAY_SCHEMA = 'gateway';

/** The gateway schema (workspaces, API keys), migrated under an advisory lock at boot. */
export function gatewayDatabaseModule(env: GatewayEnv) {
  return ServiceDatabaseModule.forRoot({
    url: env.DATABASE_URL,
    schema: GATEWAY_SCHEMA,
    poolMax: env.DATABASE_POOL_MAX,
    entities: [WorkspaceEntity, ApiKeyEntity],
    migrations: [GatewayInit1730000000000],
    statementTimeoutMs: 10_000,
    runMigrations: env.RUN_MIGRATIONS,
  });
}
