import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, redisScript, type RedisScriptRunner } from '@switchyard/database';
import type Redis from 'ioredis';

/**
 * One round trip for everything a request must pass before it is served: optionally a stream slot (KEYS[1], a
 * sorted set of stream ids scored by when they expire), then every counter against its limit. Only if all pass are
 * the `incr` counters (requests) incremented and the slot taken; `check` ones (tokens, charged after the answer) are
 * only compared. All or nothing.
 * ARGV[1..5]: 1 = with slot | 0, slot limit, now ms, stream id, slot expires at ms. Then per counter: limit, ttl ms,
 * 1 = incr | 0 = check. Returns {-1} when no slot is free, {i, count} for the first counter reached, else {0, counts…}.
 */
const ADMIT = `
local withSlot = ARGV[1] == '1'
local first = withSlot and 2 or 1
if withSlot then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {-1} end
end
for i = first, #KEYS do
  local a = 5 + 3 * (i - first)
  local limit = tonumber(ARGV[a + 1])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  local incr = ARGV[a + 3] == '1'
  if (incr and current + 1 > limit) or ((not incr) and current >= limit) then return {i - first + 1, current} end
end
local counts = {0}
for i = first, #KEYS do
  local a = 5 + 3 * (i - first)
  if ARGV[a + 3] == '1' then
    local value = redis.call('INCR', KEYS[i])
    if value == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[a + 2]) end
    counts[#counts + 1] = value
  else
    counts[#counts + 1] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
if withSlot then
  redis.call('ZADD', KEYS[1], ARGV[5], ARGV[4])
  redis.call('PEXPIREAT', KEYS[1], ARGV[5])
end
return counts
`;

/**
 * Reserves up to ARGV[1] micro-USD (at least ARGV[2]) on every budget counter: the grant is the most that fits
 * under every limit. ARGV per key after the two: limit, ttl ms. Returns {grant} or {-i, used} when key i lacks room.
 * Amounts stay below 2^53 (budgets are capped at 10^15 micro-USD), exact in Lua's doubles.
 */
const RESERVE = `
local grant = tonumber(ARGV[1])
local least = tonumber(ARGV[2])
for i = 1, #KEYS do
  local limit = tonumber(ARGV[1 + 2 * i])
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  local room = limit - used
  if room < least then return {-i, used} end
  if room < grant then grant = room end
end
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], grant)
  redis.call('PEXPIRE', KEYS[i], ARGV[2 + 2 * i])
end
return {grant}
`;

/** Gives back ARGV[1] on every counter, never below 0 (a reservation larger than what was spent). */
const RELEASE = `
for i = 1, #KEYS do
  local value = redis.call('DECRBY', KEYS[i], ARGV[1])
  if value < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
end
return 0
`;

/** Adds ARGV[1] to every counter, each expiring after its ARGV[1 + i] ms. */
const ADD = `
for i = 1, #KEYS do
  local value = redis.call('INCRBY', KEYS[i], ARGV[1])
  if value == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[i], ARGV[1 + i]) end
end
return 0
`;

export interface CounterLimit {
  key: string;
  limit: number | bigint;
  ttlMs: number;
}

type Reply = Array<number | string>;

/** A stream slot to take with the admission (see StreamSlotsStore for the set it lives in). */
export interface StreamSlotClaim {
  key: string;
  streamId: string;
  limit: number;
  nowMs: number;
  holdMs: number;
}

/** The Redis side of guardrails: atomic counters shared by every gateway replica (one round trip each). */
@Injectable()
export class GuardrailCounters {
  private readonly admitScript: RedisScriptRunner;
  private readonly reserveScript: RedisScriptRunner;
  private readonly releaseScript: RedisScriptRunner;
  private readonly addScript: RedisScriptRunner;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.admitScript = redisScript(redis, 'guardrailAdmit', ADMIT);
    this.reserveScript = redisScript(redis, 'guardrailReserve', RESERVE);
    this.releaseScript = redisScript(redis, 'guardrailRelease', RELEASE);
    this.addScript = redisScript(redis, 'guardrailAdd', ADD);
  }

  /**
   * `slotFull` when the stream slot was wanted and none is free; `reached` is the index of the first limit reached;
   * either way nothing was counted or taken. Else each counter's value after (and the slot is held).
   */
  async admit(counters: Array<CounterLimit & { mode: 'incr' | 'check' }>, slot?: StreamSlotClaim): Promise<{ slotFull?: true; reached?: number; counts: number[] }> {
    const head = slot ? ['1', String(slot.limit), String(slot.nowMs), slot.streamId, String(slot.nowMs + slot.holdMs)] : ['0', '0', '0', '', '0'];
    const args = counters.flatMap((c) => [String(c.limit), String(c.ttlMs), c.mode === 'incr' ? '1' : '0']);
    const keys = [...(slot ? [slot.key] : []), ...counters.map((c) => c.key)];
    const reply = (await this.admitScript(keys, [...head, ...args])) as Reply;
    const status = Number(reply[0]);
    if (status === -1) return { slotFull: true, counts: [] };
    return status === 0 ? { counts: reply.slice(1).map(Number) } : { reached: status - 1, counts: [Number(reply[1])] };
  }

  /** Reserves between `least` and `amount` on every budget; `short` is the index of a budget without room for `least`. */
  async reserve(budgets: CounterLimit[], amount: bigint, least: bigint): Promise<{ granted?: bigint; short?: number; used?: bigint }> {
    const args = budgets.flatMap((b) => [String(b.limit), String(b.ttlMs)]);
    const reply = (await this.reserveScript(budgets.map((b) => b.key), [amount.toString(), least.toString(), ...args])) as Reply;
    const head = Number(reply[0]);
    return head < 0 ? { short: -head - 1, used: BigInt(reply[1]) } : { granted: BigInt(reply[0]) };
  }

  async read(key: string): Promise<bigint> {
    return BigInt((await this.redis.get(key)) ?? '0');
  }

  async release(keys: string[], amount: bigint): Promise<void> {
    if (keys.length === 0 || amount <= 0n) return;
    await this.releaseScript(keys, [amount.toString()]);
  }

  async add(counters: Array<{ key: string; ttlMs: number }>, amount: number): Promise<void> {
    if (counters.length === 0 || amount <= 0) return;
    await this.addScript(counters.map((c) => c.key), [String(amount), ...counters.map((c) => String(c.ttlMs))]);
  }
}
