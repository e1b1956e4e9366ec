import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, redisScript, type RedisScriptRunner } from '@switchyard/database';
import type Redis from 'ioredis';

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

/** The Redis side of budgets and token counts: atomic counters shared by every gateway replica (one round trip each). Request rates are leased (AdmissionLeases). */
@Injectable()
export class GuardrailCounters {
  private readonly reserveScript: RedisScriptRunner;
  private readonly releaseScript: RedisScriptRunner;
  private readonly addScript: RedisScriptRunner;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.reserveScript = redisScript(redis, 'guardrailReserve', RESERVE);
    this.releaseScript = redisScript(redis, 'guardrailRelease', RELEASE);
    this.addScript = redisScript(redis, 'guardrailAdd', ADD);
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
