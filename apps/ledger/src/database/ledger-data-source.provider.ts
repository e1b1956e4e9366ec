import type { Provider } from '@nestjs/common';
import { ensureDatabase, runMigrations, serviceDataSourceOptions } from '@switchyard/database';
import { DataSource } from 'typeorm';
import type { LedgerEnv } from '../config/ledger.env';
import { CreateLedger1767225600000 } from './migrations/1767225600000-create-ledger';

export const LEDGER_SCHEMA = 'ledger';

/** The ledger's DataSource: database ensured and migrated before any handler can run. */
export function ledgerDataSourceProvider(env: LedgerEnv): Provider {
  return {
    provide: DataSource,
    useFactory: async () => {
      await ensureDatabase(env.DATABASE_URL);
      const dataSource = new DataSource(
        serviceDataSourceOptions({
          url: env.DATABASE_URL,
          schema: LEDGER_SCHEMA,
          poolMax: env.DATABASE_POOL_MAX,
          // no entities: the functions write, repositories read with SQL
          entities: [],
          migrations: [CreateLedger1767225600000],
        }),
      );
      await dataSource.initialize();
      if (env.RUN_MIGRATIONS) await runMigrations(dataSource, LEDGER_SCHEMA);
      return dataSource;
    },
  };
}
