export * from './lib/bigint.transformer';
export * from './lib/prepare-database';
export * from './lib/typeorm-options';
export * from './lib/redis.module';
export * from './lib/database-readiness';
export * from './lib/service-database.module';
export * from './lib/pool-client-errors.guard';
export * from './lib/unnest-insert';
