import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ensureDatabase, runMigrations, serviceDataSourceOptions } from '@switchyard/database';
import { DataSource } from 'typeorm';
import { CHAIN_SCHEMA, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { CreateChainTables1732300100000 } from './migrations/1732300100000-create-chain-tables.migration';

/** The chain schema: the database is created if missing and migrated under a lock before the follower starts. */
@Module({})
export class ChainDatabaseModule {
  static forRoot(env: ChainWatcherEnv): DynamicModule {
    return {
      module: ChainDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            serviceDataSourceOptions({
              url: env.DATABASE_URL,
              schema: CHAIN_SCHEMA,
              poolMax: env.DATABASE_POOL_MAX,
              entities: [],
              migrations: [CreateChainTables1732300100000],
            }),
          dataSourceFactory: async (options) => {
            if (!options) throw new Error('chain data source options missing');
            await ensureDatabase(env.DATABASE_URL);
            const dataSource = await new DataSource(options).initialize();
            if (env.RUN_MIGRATIONS) await runMigrations(dataSource, CHAIN_SCHEMA);
            return dataSource;
          },
        }),
      ],
    };
  }
}
