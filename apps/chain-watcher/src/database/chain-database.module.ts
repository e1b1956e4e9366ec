import { ServiceDatabaseModule } from '@switchyard/database';
import { CHAIN_SCHEMA, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { CreateChainTables1732300100000 } from './migrations/1732300100000-create-chain-tables.migration';
import { CreateDeposits1767400000000 } from './migrations/1767400000000-create-deposits.migration';

/** The chain schema, migrated before the follower starts. */
export function chainDatabaseModule(env: ChainWatcherEnv) {
  return ServiceDatabaseModule.forRoot({
    url: env.DATABASE_URL,
    schema: CHAIN_SCHEMA,
    poolMax: env.DATABASE_POOL_MAX,
    entities: [],
    migrations: [CreateChainTables1732300100000, CreateDeposits1767400000000],
    runMigrations: env.RUN_MIGRATIONS,
  });
}
