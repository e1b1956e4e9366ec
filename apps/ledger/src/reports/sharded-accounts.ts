import { HOLD_SHARD_COUNT, SHARDED_ACCOUNTS, shardAccountCode } from '../database/migrations/1767744000000-sharded-hold-accounts';

// The finance read side reports a hold shard's system account (`revenue:usage#2`) as part of its base account
// (`revenue:usage`): the shards exist so hold batches can run in parallel, not for anyone to read them apart.

const SHARD_CODE_PATTERN = `^(${SHARDED_ACCOUNTS.map(({ base }) => base).join('|')})#[0-9]+$`;
const SHARD_CODE = new RegExp(SHARD_CODE_PATTERN);

/** SQL expression: the code the account in `column` is reported under. */
export function reportedCodeSql(column: string): string {
  return `CASE WHEN ${column} ~ '${SHARD_CODE_PATTERN}' THEN split_part(${column}, '#', 1) ELSE ${column} END`;
}

/**
 * The codes of the accounts reported as `code`: itself and, for a sharded system account, its shards. A shard's
 * own code reports as nothing (it is not an account the read side shows).
 */
export function accountCodesReportedAs(code: string): string[] {
  if (SHARD_CODE.test(code)) return [];
  if (!SHARDED_ACCOUNTS.some(({ base }) => base === code)) return [code];
  return Array.from({ length: HOLD_SHARD_COUNT }, (_, shard) => shardAccountCode(code, shard));
}
