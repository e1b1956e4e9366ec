import { holdShard } from '../../../src/holds/hold-shard';

/** `count` holdIds `${prefix}-<n>` that fall in one shard (the shard of the first), e.g. to share a revenue account. */
export function holdIdsInOneShard(prefix: string, count: number, shard = holdShard(`${prefix}-0`)): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) if (holdShard(`${prefix}-${n}`) === shard) ids.push(`${prefix}-${n}`);
  return ids;
}
