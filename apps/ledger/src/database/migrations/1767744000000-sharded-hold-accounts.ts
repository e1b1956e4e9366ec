import type { MigrationInterface, QueryRunner } from 'typeorm';
import { holdBatchFunctionSql as previousHoldBatchFunctionSql } from './1767657600000-cheaper-hold-batches';

/**
 * The hot system accounts split into shards, so hold batches of different shards apply in parallel.
 *
 * Every hold batch locked `expense:unbilled_usage` and `revenue:usage` first: that lock kept a hold's state
 * (pending, resolution, capture record, tombstone) from changing under a batch, and it made every batch, from
 * every ledger replica, wait for the one before it: one Postgres backend at a time did all hold work
 * (bench/ledger/README.md). Now each hold belongs to one of HOLD_SHARD_COUNT shards, chosen by its holdId
 * (`ledger.hold_shard`), and each shard has its own pair of accounts: shard 0 is the existing pair, shard k the
 * pair `revenue:usage#k` and `expense:unbilled_usage#k`. A hold is credited to its shard's revenue account and
 * its unbilled usage is booked on its shard's expense account.
 *   - Both batch functions lock the shard accounts of the holds in the batch, in id order, instead of the two
 *     accounts; every command on one holdId takes the same shard's lock, so what that lock guaranteed per hold
 *     still holds. The ledger's batcher forms one-shard batches (it computes the same shard), which lock one pair.
 *   - `lock_hold_system_accounts()`, which the sweeper takes before it expires holds of any shard, locks every
 *     shard's pair, in id order.
 *   - Everything else in the batch functions is as before: answers, error codes, bookings, workspace locks.
 * A hold opened before this migration keeps its credit account (`revenue:usage`); its capture or release locks
 * that account with the other accounts it touches, as any account is locked. Such a batch can deadlock with the
 * sweeper (which holds every shard); Postgres aborts one of the two (40P01), the batcher retries its batch and
 * the sweeper its next tick. Holds opened after the migration never lock a shard's accounts out of order.
 * The finance read side reports the shards as their base account (apps/ledger/src/reports/sharded-accounts.ts).
 * `down()` restores the previous functions; the shard accounts stay (accounts are never deleted).
 */
export class ShardedHoldAccounts1767744000000 implements MigrationInterface {
  name = 'ShardedHoldAccounts1767744000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(SHARD_FUNCTIONS_SQL);
    await queryRunner.query(
      `INSERT INTO ledger.accounts (code, type) VALUES ${shardAccountCodes()
        .filter((account) => account.shard > 0)
        .map((account) => `('${account.code}', '${account.type}')`)
        .join(', ')} ON CONFLICT (code) DO NOTHING`,
    );
    await queryRunner.query(lockHoldSystemAccountsSql(shardAccountCodes().map((account) => account.code)));
    await queryRunner.query(holdBatchFunctionSql('batch'));
    await queryRunner.query(holdBatchFunctionSql('commands'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(previousHoldBatchFunctionSql('batch'));
    await queryRunner.query(previousHoldBatchFunctionSql('commands'));
    await queryRunner.query(lockHoldSystemAccountsSql(['expense:unbilled_usage', 'revenue:usage']));
    await queryRunner.query('DROP FUNCTION ledger.hold_account_code(text, text), ledger.hold_shard(text)');
  }
}

/** Fixed by this migration: changing it moves holds between shards, so it would take a migration of its own. */
export const HOLD_SHARD_COUNT = 4;

/** The system accounts split into hold shards: shard 0 is the account itself, shard k the account `base#k`. */
export const SHARDED_ACCOUNTS = [
  { base: 'expense:unbilled_usage', type: 'expense' },
  { base: 'revenue:usage', type: 'revenue' },
] as const;

/** The code of a sharded system account's shard: shard 0 is the base account itself, shard k is `base#k`. */
export function shardAccountCode(base: string, shard: number): string {
  return shard === 0 ? base : `${base}#${shard}`;
}

function shardAccountCodes(): Array<{ shard: number; code: string; type: string }> {
  return Array.from({ length: HOLD_SHARD_COUNT }, (_, shard) => SHARDED_ACCOUNTS.map(({ base, type }) => ({ shard, code: shardAccountCode(base, shard), type }))).flat();
}

// Both are plain SQL expressions, meant to be inlined where they are called; hold_account_code was not, until
// the inlined-hold-account-code migration (text || integer is a STABLE operator).
// holdShard() in apps/ledger/src/holds/hold-shard.ts computes the same shard (md5 of the holdId's UTF-8 bytes).
const SHARD_FUNCTIONS_SQL = `
CREATE FUNCTION ledger.hold_shard(p_hold_id text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(get_byte(decode(md5(p_hold_id), 'hex'), 0) % ${HOLD_SHARD_COUNT}, 0)
$$;

-- the code of a sharded system account for a hold: shard 0 is the base account itself, shard k is base#k
CREATE FUNCTION ledger.hold_account_code(p_base text, p_hold_id text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_base || COALESCE('#' || NULLIF(ledger.hold_shard(p_hold_id), 0), '')
$$;
`;

function lockHoldSystemAccountsSql(codes: string[]): string {
  return `
CREATE OR REPLACE FUNCTION ledger.lock_hold_system_accounts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM ledger.accounts WHERE code IN (${codes.map((code) => `'${code}'`).join(', ')}) ORDER BY id FOR UPDATE;
END $$;
`;
}

/** The shard accounts of every hold in p_commands, locked in id order; their codes kept for step 4's lock. */
const LOCK_BATCH_SHARDS = `SELECT array_agg(s.code) INTO v_shard_codes
    FROM (SELECT a.code FROM ledger.accounts a
           WHERE a.code = ANY (ARRAY(SELECT DISTINCT ledger.hold_account_code(b.base, x.c->>'holdId')
                                       FROM jsonb_array_elements(p_commands) AS x (c),
                                            (VALUES ${SHARDED_ACCOUNTS.map(({ base }) => `('${base}')`).join(', ')}) AS b (base)))
           ORDER BY a.id FOR UPDATE) s;`;

/**
 * The previous batch functions with the shard accounts in place of the two system accounts: each edit below
 * must match exactly as often as stated, so a change to the previous body cannot slip through unedited.
 */
export function holdBatchFunctionSql(variant: 'batch' | 'commands'): string {
  let sql = previousHoldBatchFunctionSql(variant);
  const edit = (from: string, to: string, times: number) => {
    const found = sql.split(from).length - 1;
    if (found !== times) throw new Error(`sharded hold batch: expected ${times} of ${JSON.stringify(from)}, found ${found}`);
    sql = sql.split(from).join(to);
  };
  edit('v_unbilled integer; v_revenue integer;', 'v_shard_codes text[]; rv integer;', 1);
  edit(
    `PERFORM 1 FROM ledger.accounts WHERE code IN ('expense:unbilled_usage', 'revenue:usage') ORDER BY id FOR UPDATE;`,
    LOCK_BATCH_SHARDS,
    1,
  );
  edit(`a.code = ANY (ARRAY['expense:unbilled_usage', 'revenue:usage']`, 'a.code = ANY (v_shard_codes', 1);
  edit(`  v_unbilled := array_position(a_code, 'expense:unbilled_usage');\n  v_revenue := array_position(a_code, 'revenue:usage');\n`, '', 1);
  // a create credits its shard's revenue account; a capture books unbilled usage on its shard's expense account
  edit('      k := c_acc[i];\n', `      k := c_acc[i]; rv := array_position(a_code, ledger.hold_account_code('revenue:usage', c_hold[i]));\n`, 1);
  edit('[v_revenue]', '[rv]', 6);
  edit('ub := v_unbilled;', `ub := array_position(a_code, ledger.hold_account_code('expense:unbilled_usage', c_hold[i]));`, 1);
  return sql;
}
