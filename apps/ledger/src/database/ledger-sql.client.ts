import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { isRetryableSqlError, toLedgerError } from './ledger-sql.errors';

export const LEDGER_SQL_ATTEMPTS = Symbol('LEDGER_SQL_ATTEMPTS');

export type SnapshotQuery = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * The one path to Postgres for the repositories. A write is one statement (one ledger function call),
 * so it is its own short transaction; deadlocks and lost unique races are retried a bounded number of times.
 */
@Injectable()
export class LedgerSqlClient {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LEDGER_SQL_ATTEMPTS) private readonly attempts: number,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.dataSource.query(sql, params)) as T[];
      } catch (error) {
        if (attempt < this.attempts && isRetryableSqlError(error)) {
          await sleep(attempt * 5 + Math.floor(Math.random() * 10));
          continue;
        }
        throw toLedgerError(error);
      }
    }
  }

  /** Runs several reads in one REPEATABLE READ READ ONLY snapshot, so a report never straddles a commit. */
  async snapshot<T>(read: (query: SnapshotQuery) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await read(async <R>(sql: string, params: unknown[] = []) => (await runner.query(sql, params)) as R[]);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw toLedgerError(error);
    } finally {
      await runner.release();
    }
  }
}
