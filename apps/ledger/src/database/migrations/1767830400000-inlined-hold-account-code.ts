import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ledger.hold_account_code` as an expression Postgres can inline.
 *
 * The sharded-hold-accounts migration meant it to be inlined where it is called, but its body used
 * `text || integer`, which is `anytextcat`: a STABLE function, so the IMMUTABLE SQL function was never inlined.
 * Each call ran as a separate SQL function, parsed and planned again in every statement that used it. Each hold
 * batch paid that 3 times per command: twice in the statement that locks the batch's shards, once in the
 * command's own loop step. An explicit `::text` cast makes every part of the body immutable, so it inlines.
 * Same results for every input.
 */
export class InlinedHoldAccountCode1767830400000 implements MigrationInterface {
  name = 'InlinedHoldAccountCode1767830400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(holdAccountCodeSql(`'#' || NULLIF(ledger.hold_shard(p_hold_id), 0)::text`));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(holdAccountCodeSql(`'#' || NULLIF(ledger.hold_shard(p_hold_id), 0)`));
  }
}

function holdAccountCodeSql(suffix: string): string {
  return `
CREATE OR REPLACE FUNCTION ledger.hold_account_code(p_base text, p_hold_id text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_base || COALESCE(${suffix}, '')
$$;`;
}
