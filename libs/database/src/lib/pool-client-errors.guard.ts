import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

interface EmitterLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
}
interface PoolLike extends EmitterLike {
  on(event: 'connect' | 'error', listener: (arg: never) => void): unknown;
  _clients?: EmitterLike[];
}

const logger = new Logger('PostgresPool');

/**
 * A pg client whose backend is terminated (pg_terminate_backend, a Postgres restart) emits 'error'; emitted
 * while the client is between pool and query runner, nobody listens and Node kills the process. Every client
 * gets a listener: the query in flight still fails (its caller retries or reports it) and the pool drops the dead client.
 */
export function guardPoolClientErrors(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: PoolLike }).master;
  if (!pool) return;
  const onError = (error: Error) => logger.warn({ err: error }, 'a Postgres connection was lost');
  pool.on('connect', ((client: EmitterLike) => client.on('error', onError)) as (arg: never) => void);
  // clients opened during initialize() and migrations, before the listener above existed
  for (const client of pool._clients ?? []) client.on('error', onError);
}
