import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS_CLIENT, redisScript, type RedisScriptRunner } from '@switchyard/database';
import type Redis from 'ioredis';

/**
 * Takes a slot when fewer than ARGV[1] are held, plus up to ARGV[4] spare slots for this process while the set has
 * lots of room (at most 1/16 of it). KEYS[1] is a sorted set of slot entries scored by when they expire, so entries a
 * crashed replica never gave back expire by themselves. ARGV: limit, now ms, expires ms, spares max, then the entry
 * names to use (1 + spares max). Returns {entries taken (0 = no slot free), entries held after}.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local held = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[1])
if held >= limit then return {0, held} end
local take = 1 + math.min(tonumber(ARGV[4]), math.floor((limit - held) / 16), limit - held - 1)
for i = 1, take do redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4 + i]) end
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return {take, held + take}
`;

/** Pushes the expiry of this process's entries (ARGV[2…]) to ARGV[1]; returns the entries no longer in the set. */
const RENEW = `
local gone = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) else gone[#gone + 1] = ARGV[i] end
end
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return gone
`;

/** A stream slot to take with the admission: GATEWAY_STREAMS_PER_KEY_MAX of them per caller. */
export interface StreamSlotClaim {
  scopeId: string;
  streamId: string;
  limit: number;
  /** How long a slot is held at most if its process dies holding it. */
  holdMs: number;
}

/** Spare slots one process keeps per caller at most, and how long unused ones are kept. */
const SPARES_MAX = 4;
const SPARE_IDLE_MS = 5_000;
const SWEEP_INTERVAL_MS = 1_000;

/** This process's entries in one caller's slot set: spares to hand out, and the ones streams hold. */
interface SlotPool {
  key: string;
  limit: number;
  holdMs: number;
  spare: string[];
  inUse: Map<string, { entry: string; sinceMs: number }>;
  /** Entries of other replicas in the set when this process last took some. */
  heldElsewhere: number;
  /** Acquire calls in flight. */
  acquiring: number;
  lastUseMs: number;
  renewedAtMs: number;
}

/**
 * Open streams per API key, shared by all gateway replicas (GATEWAY_STREAMS_PER_KEY_MAX) through a Redis sorted set.
 * A process keeps a few spare entries of its own while a caller's set has lots of room, so most streams take and give
 * back a slot without Redis; spares go back after a few idle seconds and on shutdown, and a dead process's expire.
 * Near the limit no spares are kept: every stream then takes and gives back its own entry, as exact as ever.
 */
@Injectable()
export class StreamSlotsStore implements BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamSlotsStore.name);
  private readonly acquireScript: RedisScriptRunner;
  private readonly renewScript: RedisScriptRunner;
  private readonly pools = new Map<string, SlotPool>();
  private readonly entryPrefix = `lease:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}:`;
  private entrySeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private sweeping = false;
  /** Calls made to Redis (for tests and metrics). */
  roundTrips = 0;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.acquireScript = redisScript(redis, 'streamSlotAcquire', ACQUIRE);
    this.renewScript = redisScript(redis, 'streamSlotRenew', RENEW);
  }

  /** True when the slot was taken; it is held until `release` or, if this process dies, `holdMs` from its last renewal. */
  async acquire(scopeId: string, streamId: string, limit: number, holdMs: number): Promise<boolean> {
    const nowMs = Date.now();
    const pool = this.poolOf(scopeId, limit, holdMs, nowMs);
    pool.lastUseMs = nowMs;
    const spare = pool.spare.pop();
    if (spare !== undefined) {
      pool.inUse.set(streamId, { entry: spare, sinceMs: nowMs });
      return true;
    }
    // Spares are asked for by one call at a time: a burst's other calls take one entry each, so none sit unused.
    const sparesWanted = pool.acquiring === 0 ? SPARES_MAX : 0;
    const entries = Array.from({ length: 1 + sparesWanted }, () => `${this.entryPrefix}${this.entrySeq++}`);
    this.roundTrips++;
    pool.acquiring++;
    try {
      const [taken, held] = ((await this.acquireScript([pool.key], [String(limit), String(nowMs), String(nowMs + holdMs), String(sparesWanted), ...entries])) as number[]).map(Number);
      pool.heldElsewhere = held - taken - pool.inUse.size - pool.spare.length;
      if (taken === 0) {
        // Full as Redis saw it. A stream of this process that ended meanwhile (its entry kept as a spare while this call
        // was out, see release) or whose close is due in this loop turn frees a slot for this one.
        await new Promise((resolve) => setImmediate(resolve));
        const late = pool.spare.pop();
        if (late === undefined) return false;
        pool.inUse.set(streamId, { entry: late, sinceMs: nowMs });
        return true;
      }
      if (pool.inUse.size === 0 && pool.spare.length === 0) pool.renewedAtMs = nowMs;
      pool.inUse.set(streamId, { entry: entries[0], sinceMs: nowMs });
      pool.spare.push(...entries.slice(1, taken));
    } finally {
      pool.acquiring--;
    }
    this.trimSpares(pool);
    this.ensureSweeping();
    return true;
  }

  /** Gives the stream's slot back: kept as a spare while the set has lots of room, else removed from the set. */
  async release(scopeId: string, streamId: string): Promise<void> {
    const pool = this.pools.get(scopeId);
    const held = pool?.inUse.get(streamId);
    if (!pool || !held) return;
    pool.inUse.delete(streamId);
    const nowMs = Date.now();
    pool.lastUseMs = nowMs;
    // Kept as a spare while the set has lots of room, or while a call of this process is out for a slot: Redis may
    // count this entry for it (the call left before this stream closed), and the call takes the spare if refused.
    // An entry held past holdMs may have expired from the set meanwhile: it is not handed out again.
    if (!this.closing && (pool.acquiring > 0 || pool.spare.length < this.sparesAllowed(pool)) && nowMs - held.sinceMs < pool.holdMs) {
      pool.spare.push(held.entry);
      return;
    }
    this.roundTrips++;
    await this.redis.zrem(pool.key, held.entry);
  }

  /** As when spares are taken: at most SPARES_MAX, and 1/16 of the room the other holders leave. */
  private sparesAllowed(pool: SlotPool): number {
    return Math.min(SPARES_MAX, Math.floor((pool.limit - Math.max(0, pool.heldElsewhere) - pool.inUse.size) / 16));
  }

  /** Spares kept for calls that were out (see release) beyond the allowance go back once no call is out. */
  private trimSpares(pool: SlotPool): void {
    const surplus = pool.acquiring === 0 ? pool.spare.length - Math.max(0, this.sparesAllowed(pool)) : 0;
    if (surplus <= 0) return;
    const entries = pool.spare.splice(0, surplus);
    this.roundTrips++;
    void this.redis.zrem(pool.key, ...entries).catch((error: unknown) => this.logger.warn({ err: error }, 'spare stream slots not given back'));
  }

  /** Spares go back so other replicas can use them; slots of streams still open expire if not released. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.pools.values()].map((pool) => this.giveBackSpares(pool)));
  }

  private poolOf(scopeId: string, limit: number, holdMs: number, nowMs: number): SlotPool {
    let pool = this.pools.get(scopeId);
    if (!pool) {
      pool = { key: streamSlotsKey(scopeId), limit, holdMs, spare: [], inUse: new Map(), heldElsewhere: 0, acquiring: 0, lastUseMs: nowMs, renewedAtMs: nowMs };
      this.pools.set(scopeId, pool);
    }
    pool.limit = limit;
    pool.holdMs = holdMs;
    return pool;
  }

  private ensureSweeping(): void {
    if (this.timer || this.closing) return;
    this.timer = setInterval(() => void this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Renews this process's entries well before they expire, gives back idle spares, forgets leaked slots. */
  private async sweep(nowMs: number): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sweepPools(nowMs);
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepPools(nowMs: number): Promise<void> {
    for (const [scopeId, pool] of this.pools) {
      try {
        for (const [streamId, held] of pool.inUse) {
          // Streams end by holdMs; one still here missed its release, and its entry is dropped like an expired one.
          if (nowMs - held.sinceMs >= pool.holdMs) {
            pool.inUse.delete(streamId);
            await this.redis.zrem(pool.key, held.entry);
          }
        }
        if (pool.spare.length > 0 && nowMs - pool.lastUseMs >= SPARE_IDLE_MS) await this.giveBackSpares(pool);
        if (pool.spare.length === 0 && pool.inUse.size === 0) {
          this.pools.delete(scopeId);
          continue;
        }
        if (nowMs - pool.renewedAtMs >= pool.holdMs / 3) await this.renew(pool, nowMs);
      } catch (error) {
        this.logger.warn({ err: error }, 'stream slots not renewed');
      }
    }
    if (this.pools.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async renew(pool: SlotPool, nowMs: number): Promise<void> {
    const entries = [...pool.spare, ...[...pool.inUse.values()].map((held) => held.entry)];
    this.roundTrips++;
    const gone = new Set((await this.renewScript([pool.key], [String(nowMs + pool.holdMs), ...entries])) as string[]);
    pool.renewedAtMs = nowMs;
    if (gone.size > 0) pool.spare = pool.spare.filter((entry) => !gone.has(entry));
  }

  private async giveBackSpares(pool: SlotPool): Promise<void> {
    const spares = pool.spare.splice(0);
    if (spares.length === 0) return;
    this.roundTrips++;
    await this.redis.zrem(pool.key, ...spares);
  }
}

/** The sorted set of a caller's open streams. */
export function streamSlotsKey(apiKeyId: string): string {
  return `gateway:streams:${apiKeyId}`;
}
