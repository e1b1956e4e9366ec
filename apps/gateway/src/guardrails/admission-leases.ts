import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS_CLIENT, redisScript, type RedisScriptRunner } from '@switchyard/database';
import type Redis from 'ioredis';

/**
 * Leases request units for this process, all or nothing. First every counter with `need` = 1 is compared (an `incr`
 * one must fit one more request, a `check` one must be below its limit); if one is reached nothing is taken and
 * {i, current} is returned. Else each `incr` counter is granted up to `wanted` units, at most 1/16 of the room left
 * (at least 1 when needed), so small limits and counters near their limit go one unit at a time. A grant that is
 * not needed (a background refill) is skipped below 2 units: a speculative single unit would only take room from
 * the other replicas. ARGV per key: limit, ttl ms, 1 = incr | 0 = check, need (0 | 1), wanted.
 * Returns {0, count_1, grant_1, …}: each counter's value after, and what it granted.
 */
const LEASE = `
local currents = {}
for i = 1, #KEYS do
  local a = 1 + 5 * (i - 1)
  local limit = tonumber(ARGV[a])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  currents[i] = current
  if ARGV[a + 3] == '1' then
    if ARGV[a + 2] == '1' then
      if current + 1 > limit then return {i, current} end
    elseif current >= limit then return {i, current} end
  end
end
local reply = {0}
for i = 1, #KEYS do
  local a = 1 + 5 * (i - 1)
  local current = currents[i]
  local grant = 0
  if ARGV[a + 2] == '1' then
    local room = tonumber(ARGV[a]) - current
    local need = tonumber(ARGV[a + 3])
    grant = math.min(tonumber(ARGV[a + 4]), math.max(need, math.floor(room / 16)), room)
    if need == 0 and grant < 2 then grant = 0 end
    if grant > 0 then
      current = redis.call('INCRBY', KEYS[i], grant)
      if current == grant then redis.call('PEXPIRE', KEYS[i], ARGV[a + 1]) end
    end
  end
  reply[#reply + 1] = current
  reply[#reply + 1] = grant
end
return reply
`;

/** A counter a request is admitted against: `incr` ones count requests, `check` ones (tokens) are only compared. */
export interface AdmissionCounter {
  /** Includes the window, so a new window is a new key and starts a new lease. */
  key: string;
  limit: number;
  ttlMs: number;
  mode: 'incr' | 'check';
  /** When the counter's window ends: its lease is dropped after. */
  endsAtMs: number;
}

/** `counts[i]` is what counter i stands at for this process (requests used, or tokens seen); `undo` gives the request's units back. */
export type AdmissionResult = { admitted: true; counts: number[]; undo: () => void } | { admitted: false; reached: number; count: number };

/** Leases are sized for about this long of the process's recent demand for a key. */
const LEASE_HORIZON_MS = 250;
const LEASE_UNITS_MAX = 64;
/** A local view of a tokens counter older than this is refreshed in the background, and older than STALE_MS before use. */
const REFRESH_AFTER_MS = 250;
const STALE_MS = 2_000;
/** How often a waiting request retries locally after someone else's lease call before making its own. */
const WAITS_MAX = 16;
const SWEEP_INTERVAL_MS = 10_000;

/** This process's share of one counter in one window. */
class CounterLease {
  /** Units taken from Redis (all of this window) and units used by admitted requests; the difference is local room. */
  granted = 0;
  used = 0;
  lastGrant = 0;
  /** The highest value Redis returned: includes every unit this process was granted. */
  redisCount = 0;
  /** Redis had no room at this limit: counts never fall within a window, so it stays so (for this limit). */
  reachedAtLimit: number | undefined;
  /** A `check` counter's value as this process knows it: the last Redis read plus its own additions since. */
  view = 0;
  viewReadAtMs = Number.NEGATIVE_INFINITY;
  /** The lease call in flight for this counter, if any: waiting requests retry locally when it lands. */
  pending: Promise<unknown> | undefined;
  private demandBucketMs = 0;
  private demandNow = 0;
  private demandBefore = 0;

  constructor(readonly endsAtMs: number) {}

  get room(): number {
    return this.granted - this.used;
  }

  /** Requests this process counted against the counter (exact for a single process). */
  get count(): number {
    return this.redisCount - this.room;
  }

  noteDemand(nowMs: number): void {
    const bucket = Math.floor(nowMs / LEASE_HORIZON_MS);
    if (bucket !== this.demandBucketMs) {
      this.demandBefore = bucket === this.demandBucketMs + 1 ? this.demandNow : 0;
      this.demandNow = 0;
      this.demandBucketMs = bucket;
    }
    this.demandNow++;
  }

  /** Units this process is likely to need over the next LEASE_HORIZON_MS, from the last one or two horizons. */
  get wanted(): number {
    return Math.min(LEASE_UNITS_MAX, Math.max(1, this.demandNow, this.demandBefore));
  }
}

type LocalVerdict = 'room' | 'reached' | 'remote';

/**
 * Request-rate admission decided in-process most of the time. Each gateway process leases request units from the
 * shared Redis counters (never beyond a limit) and spends them locally; only when a counter has no local room does a
 * request wait on Redis, and busy counters are refilled in the background before they run dry. Leases are at most
 * 1/16 of the room left, so a single process counts exactly and replicas only lose some precision when far from
 * a limit. Tokens-per-minute counters are compared against a local view kept fresh by every lease call.
 */
@Injectable()
export class AdmissionLeases {
  private readonly logger = new Logger(AdmissionLeases.name);
  private readonly leaseScript: RedisScriptRunner;
  private readonly leases = new Map<string, CounterLease>();
  private nextSweepMs = 0;
  /** Lease calls made to Redis (for tests and metrics). */
  roundTrips = 0;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    this.leaseScript = redisScript(redis, 'guardrailLease', LEASE);
  }

  /** Counts one request against every `incr` counter and compares the `check` ones; nothing is counted when one is reached. */
  async admit(counters: AdmissionCounter[], nowMs = Date.now()): Promise<AdmissionResult> {
    const leases = counters.map((c) => this.leaseOf(c, nowMs));
    leases.forEach((lease, i) => {
      if (counters[i].mode === 'incr') lease.noteDemand(nowMs);
    });
    for (let waits = 0; ; waits++) {
      const verdicts = counters.map((c, i) => verdictOf(c, leases[i], nowMs));
      const remote = verdicts.indexOf('remote');
      const reached = verdicts.indexOf('reached');
      if (reached !== -1 && (remote === -1 || remote > reached)) return { admitted: false, reached, count: countOf(counters[reached], leases[reached]) };
      if (remote === -1) {
        const result = this.take(counters, leases);
        this.refillIfLow(counters, leases, nowMs);
        return result;
      }
      // Someone's lease call for a counter this request lacks will land soon: retry locally then, instead of another call.
      const inFlight = leases.filter((lease, i) => verdicts[i] === 'remote' && lease.pending).map((lease) => lease.pending);
      if (inFlight.length === 0 || waits >= WAITS_MAX) return this.leaseRemotely(counters, leases, verdicts, nowMs);
      await Promise.all(inFlight).catch(() => undefined);
    }
  }

  /** Tokens this process added to `check` counters (at a request's end), so its own view stays exact. */
  noteAdded(keys: string[], amount: number): void {
    for (const key of keys) {
      const lease = this.leases.get(key);
      if (lease) lease.view += amount;
    }
  }

  private leaseOf(counter: AdmissionCounter, nowMs: number): CounterLease {
    if (nowMs >= this.nextSweepMs) {
      this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
      for (const [key, lease] of this.leases) if (lease.endsAtMs <= nowMs) this.leases.delete(key);
    }
    let lease = this.leases.get(counter.key);
    if (!lease) {
      lease = new CounterLease(counter.endsAtMs);
      this.leases.set(counter.key, lease);
    }
    return lease;
  }

  private take(counters: AdmissionCounter[], leases: CounterLease[]): AdmissionResult {
    const taken = leases.filter((_, i) => counters[i].mode === 'incr');
    for (const lease of taken) lease.used++;
    return { admitted: true, counts: counters.map((c, i) => countOf(c, leases[i])), undo: onlyOnce(() => taken.forEach((lease) => lease.used--)) };
  }

  /** One Redis call for every counter of the request: those without local room need a unit, the others are read. */
  private async leaseRemotely(counters: AdmissionCounter[], leases: CounterLease[], verdicts: LocalVerdict[], nowMs: number): Promise<AdmissionResult> {
    // Units this request may spend locally are set aside first, so a concurrent request cannot take them meanwhile.
    const local = leases.filter((lease, i) => counters[i].mode === 'incr' && verdicts[i] === 'room');
    for (const lease of local) lease.used++;
    const giveBackLocal = () => local.forEach((lease) => lease.used--);
    const call = this.lease(
      counters,
      leases,
      counters.map((c, i) => (verdicts[i] === 'remote' ? leases[i].wanted : 0)),
      // A counter known to be reached is checked again too: Redis names the first reached counter, as it always did.
      counters.map((_, i) => verdicts[i] !== 'room'),
      nowMs,
    );
    const marked = leases.filter((lease, i) => verdicts[i] === 'remote' && !lease.pending);
    for (const lease of marked) lease.pending = call;
    let reply: LeaseReply;
    try {
      reply = await call;
    } catch (error) {
      giveBackLocal();
      throw error;
    } finally {
      for (const lease of marked) if (lease.pending === call) lease.pending = undefined;
    }
    if (!reply.ok) {
      giveBackLocal();
      // Units another call of this process brought meanwhile were counted in Redis already: they are this request's.
      if (counters.every((c, i) => verdictOf(c, leases[i], nowMs) === 'room')) return this.take(counters, leases);
      return { admitted: false, reached: reply.reached, count: reply.count };
    }
    // Each remote counter was granted at least the unit this request needs.
    const remote = leases.filter((lease, i) => counters[i].mode === 'incr' && verdicts[i] === 'remote');
    for (const lease of remote) lease.used++;
    return { admitted: true, counts: counters.map((c, i) => countOf(c, leases[i])), undo: onlyOnce(() => [...local, ...remote].forEach((lease) => lease.used--)) };
  }

  /** Tops up counters running low (at most a quarter of the last grant left) and refreshes aging token views, off the request's path. */
  private refillIfLow(counters: AdmissionCounter[], leases: CounterLease[], nowMs: number): void {
    const wanted = counters.map((c, i) => {
      const lease = leases[i];
      if (c.mode !== 'incr' || lease.pending || lease.room > Math.floor(lease.lastGrant / 4)) return 0;
      // Only a lease of at least 2 is worth taking ahead of need (the script grants no less, and 1/16 of the room at most).
      return lease.wanted >= 2 && Math.floor((c.limit - lease.redisCount) / 16) >= 2 ? lease.wanted : 0;
    });
    const stale = counters.map((c, i) => c.mode === 'check' && !leases[i].pending && nowMs - leases[i].viewReadAtMs > REFRESH_AFTER_MS);
    if (!wanted.some((w) => w > 0) && !stale.includes(true)) return;
    const call = this.lease(counters, leases, wanted, counters.map(() => false), nowMs);
    const marked = leases.filter((lease, i) => wanted[i] > 0 || stale[i]);
    for (const lease of marked) lease.pending = call;
    void call
      .catch((error: unknown) => this.logger.warn({ err: error }, 'rate-limit lease refill failed'))
      .finally(() => {
        for (const lease of marked) if (lease.pending === call) lease.pending = undefined;
      });
  }

  private async lease(counters: AdmissionCounter[], leases: CounterLease[], wanted: number[], need: boolean[], nowMs: number): Promise<LeaseReply> {
    this.roundTrips++;
    const args = counters.flatMap((c, i) => [String(c.limit), String(c.ttlMs), c.mode === 'incr' ? '1' : '0', need[i] ? '1' : '0', String(wanted[i])]);
    const reply = ((await this.leaseScript(
      counters.map((c) => c.key),
      args,
    )) as Array<number | string>).map(Number);
    if (reply[0] !== 0) {
      const index = reply[0] - 1;
      const lease = leases[index];
      if (counters[index].mode === 'incr') {
        lease.redisCount = Math.max(lease.redisCount, reply[1]);
        lease.reachedAtLimit = counters[index].limit;
      } else {
        lease.view = Math.max(lease.view, reply[1]);
        lease.viewReadAtMs = nowMs;
      }
      return { ok: false, reached: index, count: reply[1] };
    }
    counters.forEach((c, i) => {
      const [count, grant] = [reply[1 + 2 * i], reply[2 + 2 * i]];
      const lease = leases[i];
      if (c.mode === 'check') {
        lease.view = Math.max(lease.view, count);
        lease.viewReadAtMs = nowMs;
        return;
      }
      lease.redisCount = Math.max(lease.redisCount, count);
      if (grant > 0) {
        lease.granted += grant;
        lease.lastGrant = grant;
      }
    });
    return { ok: true };
  }
}

type LeaseReply = { ok: true } | { ok: false; reached: number; count: number };

function verdictOf(counter: AdmissionCounter, lease: CounterLease, nowMs: number): LocalVerdict {
  if (counter.mode === 'check') {
    if (lease.view >= counter.limit) return 'reached';
    return nowMs - lease.viewReadAtMs <= STALE_MS ? 'room' : 'remote';
  }
  // A lowered limit is honoured at once: the process's own count must still fit.
  if (lease.room > 0) return lease.count + 1 <= counter.limit ? 'room' : 'reached';
  return lease.reachedAtLimit !== undefined && counter.limit <= lease.reachedAtLimit ? 'reached' : 'remote';
}

function countOf(counter: AdmissionCounter, lease: CounterLease): number {
  return counter.mode === 'check' ? lease.view : lease.count;
}

function onlyOnce(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
