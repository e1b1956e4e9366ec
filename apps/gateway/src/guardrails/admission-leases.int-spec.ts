import { randomUUID } from 'node:crypto';
import type { AppError } from '@switchyard/errors';
import Redis from 'ioredis';
import type { GatewayEnv } from '../config/gateway.env';
import { StreamSlotsStore, streamSlotsKey } from '../streaming/stream-slots.store';
import { type AdmissionCounter, AdmissionLeases } from './admission-leases';
import { GuardrailCounters } from './guardrail-counters';
import type { GuardrailPoliciesRepository } from './guardrail-policies.repository';
import type { ScopedPolicy } from './guardrail-policy';
import { GuardrailsService } from './guardrails.service';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE_MS = 60_000;
/** The middle of a minute window, so nothing rolls over during a test. */
const NOW = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 30_000;

/**
 * Request-rate leases against real Redis. Each AdmissionLeases (and StreamSlotsStore) on its own Redis client stands
 * in for one gateway process.
 */
describe('admission leases (real Redis; two holders stand in for two gateway processes)', () => {
  const prefix = `admission-leases-test:${randomUUID()}:`;
  const clients: Redis[] = [];
  let plain: Redis;

  const client = () => {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix, enableAutoPipelining: true });
    clients.push(redis);
    return redis;
  };
  const rpm = (limit: number, key = randomUUID(), nowMs = NOW): AdmissionCounter => {
    const window = Math.floor(nowMs / MINUTE_MS);
    return { key: `guardrail:rpm:key:${key}:m${window}`, limit, ttlMs: 2 * MINUTE_MS, mode: 'incr', endsAtMs: (window + 1) * MINUTE_MS };
  };
  const admitted = (results: Array<{ admitted: boolean }>) => results.filter((r) => r.admitted).length;

  beforeAll(() => {
    plain = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    const keys = await plain.keys(`${prefix}*`);
    if (keys.length > 0) await plain.del(...keys);
    await Promise.all([...clients, plain].map((c) => c.quit()));
  });

  it('admits a burst far below a large limit with far fewer Redis calls than requests, counting exactly', async () => {
    const leases = new AdmissionLeases(client());
    const counter = rpm(100_000);
    const concurrent = await Promise.all(Array.from({ length: 300 }, () => leases.admit([counter], NOW)));
    const sequential = [];
    for (let i = 0; i < 300; i++) sequential.push(await leases.admit([counter], NOW));
    const all = [...concurrent, ...sequential];
    expect(admitted(all)).toBe(600);
    expect(leases.roundTrips).toBeLessThan(60);
    // The counts the headers are made of: exact for this process, whatever it holds in advance.
    const last = sequential.at(-1)!;
    expect(last.admitted && last.counts[0]).toBe(600);
    const inRedis = Number(await plain.get(`${prefix}${counter.key}`));
    expect(inRedis).toBeGreaterThanOrEqual(600);
    expect(inRedis).toBeLessThanOrEqual(600 + 64);
  });

  it('a small limit (5 a minute) shared by two holders admits exactly 5 of 10, alternating or all at once', async () => {
    const [a, b] = [new AdmissionLeases(client()), new AdmissionLeases(client())];
    const alternating = rpm(5);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await (i % 2 === 0 ? a : b).admit([alternating], NOW));
    expect(results.map((r) => r.admitted)).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(results.slice(0, 5).map((r) => (r.admitted ? r.counts[0] : -1))).toEqual([1, 2, 3, 4, 5]);
    expect(results[5]).toEqual({ admitted: false, reached: 0, count: 5 });

    const burst = rpm(5);
    const both = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).admit([burst], NOW)));
    expect(admitted(both)).toBe(5);
    expect(Number(await plain.get(`${prefix}${burst.key}`))).toBe(5);
  });

  it('a large limit shared by two holders is never exceeded, and little of it is lost to unused leases', async () => {
    const [a, b] = [new AdmissionLeases(client()), new AdmissionLeases(client())];
    const counter = rpm(200);
    const results = [];
    for (let round = 0; round < 10; round++) {
      results.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).admit([counter], NOW)))));
    }
    const total = admitted(results);
    expect(total).toBeLessThanOrEqual(200);
    expect(total).toBeGreaterThanOrEqual(200 - 2 * 64);
    expect(Number(await plain.get(`${prefix}${counter.key}`))).toBeLessThanOrEqual(200);
  });

  it('one holder admits exactly the limit of 200 out of 500, its counts running 1…200', async () => {
    const leases = new AdmissionLeases(client());
    const counter = rpm(200);
    const results = [];
    for (let round = 0; round < 10; round++) results.push(...(await Promise.all(Array.from({ length: 50 }, () => leases.admit([counter], NOW)))));
    expect(admitted(results)).toBe(200);
    const counts = results.flatMap((r) => (r.admitted ? [r.counts[0]] : [])).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Once reached, refusals are answered from what the process knows: a window's count never falls.
    const before = leases.roundTrips;
    expect(await leases.admit([counter], NOW)).toEqual({ admitted: false, reached: 0, count: 200 });
    expect(leases.roundTrips).toBe(before);
  });

  it('all or nothing: with one counter reached, the others keep their units', async () => {
    const leases = new AdmissionLeases(client());
    const wide = rpm(1_000);
    const narrow = rpm(2);
    expect((await leases.admit([wide, narrow], NOW)).admitted).toBe(true);
    expect((await leases.admit([wide, narrow], NOW)).admitted).toBe(true);
    expect(await leases.admit([wide, narrow], NOW)).toEqual({ admitted: false, reached: 1, count: 2 });
    const next = await leases.admit([wide], NOW);
    expect(next.admitted && next.counts[0]).toBe(3);
  });

  describe('through GuardrailsService (headers, windows, tokens, stream slots)', () => {
    const env = { RATE_LIMIT_DEFAULT_RPM: 0 } as GatewayEnv;
    const serviceFor = (redis: Redis) => {
      const slots = new StreamSlotsStore(redis);
      const leases = new AdmissionLeases(redis);
      return { service: new GuardrailsService({} as GuardrailPoliciesRepository, new GuardrailCounters(redis), leases, slots, env), leases, slots };
    };
    const keyPolicy = (policy: ScopedPolicy['policy']): ScopedPolicy[] => [{ scope: 'key', scopeId: randomUUID(), policy }];
    const caller = { workspaceId: randomUUID(), apiKeyId: randomUUID() };

    it('x-ratelimit-remaining is exact for one process, while it leases ahead', async () => {
      const { service, leases } = serviceFor(client());
      const policies = keyPolicy({ requests_per_minute: 1_000 });
      const remaining: number[] = [];
      for (let i = 0; i < 100; i++) remaining.push((await service.admit(policies, caller, NOW)).status!.remaining);
      expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => 999 - i));
      expect(leases.roundTrips).toBeLessThan(50);
    });

    it('a new window starts a new lease, with the full limit', async () => {
      const { service, leases } = serviceFor(client());
      const policies = keyPolicy({ requests_per_minute: 3 });
      for (let i = 0; i < 3; i++) expect((await service.admit(policies, caller, NOW)).status!.remaining).toBe(2 - i);
      expect((await service.admit(policies, caller, NOW)).violation?.code).toBe('requests_per_minute_exceeded');
      const calls = leases.roundTrips;
      const next = await service.admit(policies, caller, NOW + MINUTE_MS);
      expect(next.violation).toBeUndefined();
      expect(next.status).toEqual({ limit: 3, remaining: 2, resetAtMs: Math.floor(NOW / MINUTE_MS) * MINUTE_MS + 2 * MINUTE_MS });
      expect(leases.roundTrips).toBe(calls + 1);
    });

    it('tokens per minute: refused once the tokens this process counted reach the limit, with the same violation', async () => {
      const { service } = serviceFor(client());
      const policies = keyPolicy({ tokens_per_minute: 100, requests_per_minute: 1_000 });
      expect((await service.admit(policies, caller, NOW)).violation).toBeUndefined();
      await service.settle(policies, undefined, 0n, 60, NOW);
      expect((await service.admit(policies, caller, NOW)).violation).toBeUndefined();
      await service.settle(policies, undefined, 0n, 45, NOW);
      const refused = (await service.admit(policies, caller, NOW)).violation as AppError;
      expect(refused.code).toBe('tokens_per_minute_exceeded');
      expect(refused.details).toMatchObject({ scope: 'key', limit: 100, used: 105 });
      // Nothing was counted for the refused request.
      expect((await service.admit([{ ...policies[0], policy: { requests_per_minute: 1_000 } }], caller, NOW)).status?.remaining).toBe(997);
    });

    it('a token count added by another process is seen at the next refresh', async () => {
      const [a, b] = [serviceFor(client()), serviceFor(client())];
      const policies = keyPolicy({ tokens_per_minute: 100 });
      expect((await a.service.admit(policies, caller, NOW)).violation).toBeUndefined();
      await b.service.settle(policies, undefined, 0n, 150, NOW);
      // A's view is refreshed by its lease calls (at most a few seconds old when used).
      expect((await a.service.admit(policies, caller, NOW + 2_500)).violation?.code).toBe('tokens_per_minute_exceeded');
    });

    it('a stream refused for want of a slot is not counted; its slot comes back locally when a stream ends', async () => {
      const { service, slots } = serviceFor(client());
      const policies = keyPolicy({ requests_per_minute: 100 });
      const scopeId = randomUUID();
      const claim = (streamId: string) => ({ scopeId, streamId, limit: 1, holdMs: 10_000 });
      expect((await service.admit(policies, caller, NOW, claim('s1'))).status?.remaining).toBe(99);
      expect((await service.admit(policies, caller, NOW, claim('s2'))).violation?.message).toContain('1 streams open');
      expect((await service.admit(policies, caller, NOW)).status?.remaining).toBe(98);
      await slots.release(scopeId, 's1');
      expect((await service.admit(policies, caller, NOW, claim('s3'))).violation).toBeUndefined();
      await slots.release(scopeId, 's3');
      await slots.beforeApplicationShutdown();
    });
  });

  describe('stream slots', () => {
    it('a busy key takes and gives back most slots without Redis; spares go back on shutdown', async () => {
      const slots = new StreamSlotsStore(client());
      const scopeId = randomUUID();
      for (let i = 0; i < 50; i++) {
        expect(await slots.acquire(scopeId, `s${i}`, 64, 10_000)).toBe(true);
        await slots.release(scopeId, `s${i}`);
      }
      // One call for the first slot and its spares, one to give back the entry that would be a fifth spare.
      expect(slots.roundTrips).toBeLessThanOrEqual(2);
      expect(await plain.zcard(`${prefix}${streamSlotsKey(scopeId)}`)).toBeGreaterThan(1);
      await slots.beforeApplicationShutdown();
      expect(await plain.zcard(`${prefix}${streamSlotsKey(scopeId)}`)).toBe(0);
    });

    it('two processes never hold more than the limit; near it no spares are kept', async () => {
      const [a, b] = [new StreamSlotsStore(client()), new StreamSlotsStore(client())];
      const scopeId = randomUUID();
      const taken = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).acquire(scopeId, `s${i}`, 64, 10_000)));
      expect(taken.filter(Boolean).length).toBeLessThanOrEqual(64);
      expect(taken.filter(Boolean).length).toBeGreaterThanOrEqual(64 - 2 * 4);
      expect(await plain.zcard(`${prefix}${streamSlotsKey(scopeId)}`)).toBeLessThanOrEqual(64);
      await Promise.all([a.beforeApplicationShutdown(), b.beforeApplicationShutdown()]);

      const [c, d] = [new StreamSlotsStore(client()), new StreamSlotsStore(client())];
      const small = randomUUID();
      expect(await c.acquire(small, 'x', 2, 10_000)).toBe(true);
      expect(await d.acquire(small, 'y', 2, 10_000)).toBe(true);
      expect(await c.acquire(small, 'z', 2, 10_000)).toBe(false);
      await c.release(small, 'x');
      // No spare kept near the limit: the other process gets the freed slot at once.
      expect(await d.acquire(small, 'z', 2, 10_000)).toBe(true);
      await Promise.all([c.beforeApplicationShutdown(), d.beforeApplicationShutdown()]);
    });

    it('at the limit, a stream that closes while another call is out for a slot gives that call its slot', async () => {
      // A client starts its next stream the moment the last one ended: its call can reach Redis before the close does.
      const slots = new StreamSlotsStore(client());
      const scopeId = randomUUID();
      expect(await slots.acquire(scopeId, 'a', 2, 10_000)).toBe(true);
      expect(await slots.acquire(scopeId, 'b', 2, 10_000)).toBe(true);
      const next = slots.acquire(scopeId, 'c', 2, 10_000);
      await slots.release(scopeId, 'a');
      expect(await next).toBe(true);
      expect(await plain.zcard(`${prefix}${streamSlotsKey(scopeId)}`)).toBe(2);
      await slots.release(scopeId, 'b');
      await slots.release(scopeId, 'c');
      await slots.beforeApplicationShutdown();
      expect(await plain.zcard(`${prefix}${streamSlotsKey(scopeId)}`)).toBe(0);
    });
  });
});
