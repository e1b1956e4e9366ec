import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ensureDatabase, runMigrations, serviceDataSourceOptions } from '@switchyard/database';
import { DataSource } from 'typeorm';
import { BILLING_SCHEMA, type BillingEnv } from '../config/billing.env';
import { ChargeEntity } from '../settlement/charge.entity';
import { CreateCharges1732300000000 } from './migrations/1732300000000-create-charges.migration';

/** The billing schema: the database is created if missing and migrated under a lock before anything consumes. */
@Module({})
export class BillingDatabaseModule {
  static forRoot(env: BillingEnv): DynamicModule {
    return {
      module: BillingDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            serviceDataSourceOptions({
              url: env.DATABASE_URL,
              schema: BILLING_SCHEMA,
              poolMax: env.DATABASE_POOL_MAX,
              entities: [ChargeEntity],
              migrations: [CreateCharges1732300000000],
            }),
          dataSourceFactory: async (options) => {
            if (!options) throw new Error('billing data source options missing');
            await ensureDatabase(env.DATABASE_URL);
            const dataSource = await new DataSource(options).initialize();
            if (env.RUN_MIGRATIONS) await runMigrations(dataSource, BILLING_SCHEMA);
            return dataSource;
          },
        }),
      ],
    };
  }
}
