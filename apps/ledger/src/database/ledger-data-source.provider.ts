import type { Provider } from '@nestjs/common';
import { initializeServiceDataSource } from '@switchyard/database';
import { DataSource } from 'typeorm';
import type { LedgerEnv } from '../config/ledger.env';
import { CreateLedger1767225600000 } from './migrations/1767225600000-create-ledger';
import { HoldBatches1767312000000 } from './migrations/1767312000000-hold-batches';
import { SetBasedHoldBatches1767398400000 } from './migrations/1767398400000-set-based-hold-batches';
import { HoldReleaseTombstones1767484800000 } from './migrations/1767484800000-hold-release-tombstones';
import { SingleCallHoldBatches1767571200000 } from './migrations/1767571200000-single-call-hold-batches';
import { CheaperHoldBatches1767657600000 } from './migrations/1767657600000-cheaper-hold-batches';
import { ShardedHoldAccounts1767744000000 } from './migrations/1767744000000-sharded-hold-accounts';
import { InlinedHoldAccountCode1767830400000 } from './migrations/1767830400000-inlined-hold-account-code';

export const LEDGER_SCHEMA = 'ledger';

/** The ledger's DataSource: database ensured and migrated before any handler can run. */
export function ledgerDataSourceProvider(env: LedgerEnv): Provider {
  return {
    provide: DataSource,
    useFactory: () =>
      initializeServiceDataSource({
        url: env.DATABASE_URL,
        schema: LEDGER_SCHEMA,
        poolMax: env.DATABASE_POOL_MAX,
        // no entities: the SQL functions write, repositories read with SQL
        entities: [],
        migrations: [
          CreateLedger1767225600000,
          HoldBatches1767312000000,
          SetBasedHoldBatches1767398400000,
          HoldReleaseTombstones1767484800000,
          SingleCallHoldBatches1767571200000,
          CheaperHoldBatches1767657600000,
          ShardedHoldAccounts1767744000000,
          InlinedHoldAccountCode1767830400000,
        ],
        runMigrations: env.RUN_MIGRATIONS,
      }),
  };
}
