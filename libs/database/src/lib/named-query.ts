import type { EntityManager } from 'typeorm';

/**
 * Runs a named (prepared) statement on the manager's connection: inside its transaction when it has one, else on a
 * connection of the pool for this call. Postgres parses and plans a named statement once per connection; TypeORM's
 * `query()` cannot name one.
 */
export async function queryNamed<Row = Record<string, unknown>>(manager: EntityManager, statement: { name: string; text: string; values: unknown[] }): Promise<Row[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }> };
    return (await client.query(statement)).rows;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}
