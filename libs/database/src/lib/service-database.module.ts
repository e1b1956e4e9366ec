import { guardPoolClientErrors } from './pool-client-errors.guard';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseReadiness } from './database-readiness';
import { ensureDatabase, runMigrations } from './prepare-database';
import { serviceDataSourceOptions, type ServiceDatabaseOptions } from './typeorm-options';

export interface ServiceDatabaseSetup extends ServiceDatabaseOptions {
  runMigrations: boolean;
}

/** One service's data source: the database is created if missing and its schema migrated under a lock before use. */
export async function initializeServiceDataSource(setup: ServiceDatabaseSetup): Promise<DataSource> {
  await ensureDatabase(setup.url);
  const dataSource = await new DataSource(serviceDataSourceOptions(setup)).initialize();
  guardPoolClientErrors(dataSource);
  if (setup.runMigrations) await runMigrations(dataSource, setup.schema);
  return dataSource;
}

/** TypeORM for one service's schema, with its Postgres readiness check. */
@Module({})
export class ServiceDatabaseModule {
  static forRoot(setup: ServiceDatabaseSetup): DynamicModule {
    return {
      module: ServiceDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => serviceDataSourceOptions(setup),
          dataSourceFactory: () => initializeServiceDataSource(setup),
        }),
      ],
      providers: [DatabaseReadiness],
    };
  }
}
