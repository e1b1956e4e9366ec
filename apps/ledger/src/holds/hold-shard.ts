import { createHash } from 'node:crypto';
import { HOLD_SHARD_COUNT, shardAccountCode } from '../database/migrations/1767744000000-sharded-hold-accounts';

export { HOLD_SHARD_COUNT, shardAccountCode };

/**
 * The shard of a hold, as `ledger.hold_shard` computes it in Postgres (first byte of the md5 of the holdId's
 * UTF-8 bytes): the batcher groups commands by it, so a batch locks one shard's system accounts.
 */
export function holdShard(holdId: string): number {
  return createHash('md5').update(holdId, 'utf8').digest()[0]! % HOLD_SHARD_COUNT;
}
