import { randomUUID } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { takeStreamSlot } from './stream-limits';
import { StreamSlotsStore, streamSlotsKey } from './stream-slots.store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENV = { GATEWAY_STREAMS_PER_KEY_MAX: 1, GATEWAY_STREAM_DURATION_MS_MAX: 60_000, UPSTREAM_TIMEOUT_MS: 10_000 };

/** A real HTTP server taking one stream slot per request (limit 1), against real Redis. */
describe('stream slots are given back when a stream ends (real HTTP, real Redis)', () => {
  const prefix = `stream-limits-test:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { keyPrefix: prefix, enableAutoPipelining: true });
  const slots = new StreamSlotsStore(redis);
  const logger = new Logger('stream-limits-test');
  let app: FastifyInstance;
  let url: string;
  /** Slot entries in Redis as seen right after the handler ended its response, in the same loop turn. */
  const heldRightAfterEnd = new Map<string, Promise<number>>();

  beforeAll(async () => {
    app = Fastify();
    app.get<{ Querystring: { scope: string; end?: string; slowMs?: string } }>('/stream', async (request, reply) => {
      const { scope } = request.query;
      // Stands in for the work before the slot is taken (authentication, policies), during which a client may leave.
      if (request.query.slowMs) await new Promise((resolve) => setTimeout(resolve, Number(request.query.slowMs)));
      await takeStreamSlot(slots, ENV, scope, randomUUID(), reply, logger);
      reply.hijack();
      // As the gateway's streams do (SseResponse): nothing is written to, or ended on, a client that has gone.
      if (reply.raw.destroyed) return;
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('data: {"n":1}\n\n');
      if (request.query.end === 'no') return;
      reply.raw.end('data: [DONE]\n\n');
      // Same Redis connection, so this read is answered after whatever the store sent before it.
      heldRightAfterEnd.set(scope, redis.zcard(streamSlotsKey(scope)));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/stream`;
  });

  afterAll(async () => {
    app.server.closeAllConnections();
    await app.close();
    await slots.beforeApplicationShutdown();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    await redis.quit();
  });

  it('the slot is free as soon as the response is ended, before the client can have read its end', async () => {
    const scope = randomUUID();
    expect(await (await fetch(`${url}?scope=${scope}`)).text()).toContain('[DONE]');
    // Released on 'close' only, the entry would still be there: 'close' comes a write callback after end().
    expect(await heldRightAfterEnd.get(scope)).toBe(0);
    // And the next stream of the same caller is taken, one after another, ten times.
    for (let i = 0; i < 10; i++) {
      const next = await fetch(`${url}?scope=${scope}`);
      expect({ status: next.status, done: (await next.text()).includes('[DONE]') }).toEqual({ status: 200, done: true });
    }
  });

  it('a client that left before its slot was taken does not keep it: the key can still stream', async () => {
    const scope = randomUUID();
    for (let i = 0; i < 3; i++) {
      // The connection closes 20 ms in, while the handler is still before its slot.
      await new Promise<void>((resolve) => {
        const request = httpGet(`${url}?scope=${scope}&slowMs=150`);
        request.on('error', () => resolve());
        request.on('close', () => resolve());
        setTimeout(() => request.destroy(), 20);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The handlers took their slots after the clients had gone; each gives it back at once.
    const deadline = Date.now() + 5_000;
    while ((await redis.zcard(streamSlotsKey(scope))) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await redis.zcard(streamSlotsKey(scope))).toBe(0);
    const next = await fetch(`${url}?scope=${scope}`);
    expect({ status: next.status, done: (await next.text()).includes('[DONE]') }).toEqual({ status: 200, done: true });
  });

  it('a stream the client leaves before its end gives its slot back', async () => {
    const scope = randomUUID();
    const leaving = new AbortController();
    const open = await fetch(`${url}?scope=${scope}&end=no`, { signal: leaving.signal });
    expect(open.status).toBe(200);
    expect(await redis.zcard(streamSlotsKey(scope))).toBe(1);
    leaving.abort();
    const deadline = Date.now() + 5_000;
    while ((await redis.zcard(streamSlotsKey(scope))) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await redis.zcard(streamSlotsKey(scope))).toBe(0);
  });
});
