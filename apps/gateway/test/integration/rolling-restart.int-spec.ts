import { once } from 'node:events';
import { type ServiceProcess, startServiceProcess } from '@switchyard/testing';
import { Client } from 'pg';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';
const WORKERS = 6;
const STEADY_MS = 1_500;

type Attempt =
  | { kind: 'completed'; gateway: number; requestId: string; startedAt: number; endedAt: number }
  /** Refused before any byte of a response: connection refused/reset, or 503. A client retries these. */
  | { kind: 'refused'; gateway: number; reason: string }
  /** A 200 whose stream broke before `[DONE]`: what a rolling restart must never produce. */
  | { kind: 'cut'; gateway: number; requestId: string; reason: string }
  | { kind: 'unexpected'; gateway: number; status: number; body: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When each gateway's streams now open got their response headers (so a SIGTERM can be aimed at a fresh stream). */
const openStreams: [Set<number>, Set<number>] = [new Set(), new Set()];

describe('rolling restart of two gateways under steady streaming load', () => {
  // 14 SSE events, 80 ms apart: each stream takes ~1.1 s, so every SIGTERM lands on streams in flight.
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 80 });
  let stack: GatewayTestStack;
  let pg: Client;
  const gateways: ServiceProcess[] = [];

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl }, workspace: { name: 'rolling', creditMicros: 1_000_000n } });
    gateways.push(stack.stack.services.get('gateway')!);
    gateways.push(await startServiceProcess('gateway', stack.stack.env, { readyTimeoutMs: 180_000 }));
    pg = new Client({ connectionString: stack.stack.database.url });
    await pg.connect();
  }, 400_000);

  afterAll(async () => {
    await pg?.end();
    await gateways[1]?.stop();
    await stack?.stop();
    await upstream.stop();
  });

  async function attempt(gateway: number): Promise<Attempt> {
    const startedAt = Date.now();
    let response: Response;
    try {
      response = await fetch(`http://127.0.0.1:${gateways[gateway]!.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:slow]] rolling' }], stream: true }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { kind: 'refused', gateway, reason: cause?.code ?? String(error) };
    }
    if (response.status === 503) {
      await response.text().catch(() => undefined);
      return { kind: 'refused', gateway, reason: '503' };
    }
    if (response.status !== 200) return { kind: 'unexpected', gateway, status: response.status, body: await response.text().catch(() => '') };
    const requestId = response.headers.get('x-request-id') ?? '?';
    const headersAt = Date.now();
    openStreams[gateway].add(headersAt);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return { kind: 'cut', gateway, requestId, reason: String((error as { cause?: unknown }).cause ?? error) };
    } finally {
      openStreams[gateway].delete(headersAt);
    }
    if (!text.includes('data: [DONE]')) return { kind: 'cut', gateway, requestId, reason: `no [DONE] in ${text.length} bytes` };
    return { kind: 'completed', gateway, requestId, startedAt, endedAt: Date.now() };
  }

  /** SIGTERM, then (while it drains) a fresh connection must not find it ready; waits for the exit and restarts it on its port. */
  async function roll(index: number): Promise<{ sigtermAt: number; exitCode: number | null; readyDuringDrain: number | string }> {
    const old = gateways[index]!;
    // Aim at a stream that started moments ago (~1 s still to go), so the drain has something to let finish.
    const aimDeadline = Date.now() + 15_000;
    while (![...openStreams[index]].some((at) => Date.now() - at < 300) && Date.now() < aimDeadline) await sleep(10);
    const exited = once(old.process, 'exit');
    const sigtermAt = Date.now();
    old.process.kill('SIGTERM');
    await sleep(150);
    const readyDuringDrain = await fetch(`${old.url}/readyz`).then((r) => r.status, (e: { cause?: { code?: string } }) => e.cause?.code ?? 'error');
    await exited;
    const exitCode = old.process.exitCode;
    const next = await startServiceProcess('gateway', stack.stack.env, { readyTimeoutMs: 180_000, port: old.port });
    gateways[index] = next;
    if (index === 0) stack.stack.services.set('gateway', next);
    return { sigtermAt, exitCode, readyDuringDrain };
  }

  it('every request either completed and was billed exactly once, or was refused before its first byte', async () => {
    const before = await stack.credits();
    const attempts: Attempt[] = [];
    let running = true;
    let next = 0;
    const workers = Array.from({ length: WORKERS }, async () => {
      while (running) attempts.push(await attempt(next++ % 2));
    });

    await sleep(STEADY_MS);
    const first = await roll(0);
    await sleep(STEADY_MS);
    const second = await roll(1);
    await sleep(STEADY_MS);
    running = false;
    await Promise.all(workers);

    const completed = attempts.filter((a) => a.kind === 'completed');
    expect(attempts.filter((a) => a.kind === 'cut' || a.kind === 'unexpected')).toEqual([]);
    expect(completed.length).toBeGreaterThan(20);
    // Draining, not cutting: streams in flight at each SIGTERM ran to their end on the stopping process.
    for (const [index, roll] of [[0, first], [1, second]] as const) {
      expect(completed.some((a) => a.gateway === index && a.startedAt < roll.sigtermAt && a.endedAt > roll.sigtermAt + 200)).toBe(true);
      // Stopped accepting at once: a new connection is refused (or answered 503), never ready.
      expect(roll.readyDuringDrain).not.toBe(200);
      // Exited by Nest's own close (re-raised SIGTERM) rather than by the hard deadline's exit(1).
      expect(roll.exitCode).not.toBe(1);
    }

    // Billing: exactly one captured charge per completed request, none for a refused one.
    const ids = completed.map((a) => a.requestId).sort();
    expect(new Set(ids).size).toBe(ids.length);
    const settled = await stack.settledCredits(stack.apiKey, { timeoutMs: 30_000 });
    let rows: Array<{ request_id: string; outcome: string; settlement: string; cost_micros: string }> = [];
    for (const deadline = Date.now() + 15_000; rows.length < ids.length && Date.now() < deadline; await sleep(100)) {
      ({ rows } = await pg.query(`SELECT request_id, outcome, settlement, cost_micros::text FROM billing.charges WHERE workspace_id = $1 ORDER BY request_id`, [stack.workspaceId]));
    }
    expect(rows.map((r) => r.request_id)).toEqual(ids);
    for (const row of rows) expect(row).toMatchObject({ outcome: 'succeeded', settlement: 'captured' });
    const charged = rows.reduce((sum, r) => sum + BigInt(r.cost_micros), 0n);
    expect(charged).toBeGreaterThan(0n);
    expect(BigInt(before.balance_micros) - BigInt(settled.balance_micros)).toBe(charged);
    const audit = await fetch(`${gateways[0]!.url}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.stack.adminToken}` } });
    expect(await audit.json()).toMatchObject({ balanced: true, sumMicros: '0' });
  }, 600_000);

  it('a stream longer than SHUTDOWN_GRACE_MS is cut before the deadline and still billed for what it delivered, not left to hold expiry', async () => {
    // 14 events 1 s apart (~14 s) against an 8 s grace: the drain cuts it at 8 s − 2 s, leaving 2 s to settle.
    const slow = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 1_000 });
    await slow.start();
    try {
      const short = await startServiceProcess('gateway', { ...stack.stack.env, OPENAI_BASE_URL: slow.baseUrl, SHUTDOWN_GRACE_MS: '8000' }, { readyTimeoutMs: 180_000 });
      const { id, key } = await stack.createWorkspace('deadline', 1_000_000n);
      const response = await fetch(`${short.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:slow]] longer than the grace' }], stream: true }),
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-request-id')!;
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      const exited = once(short.process, 'exit');
      const sigtermAt = Date.now();
      short.process.kill('SIGTERM');
      let cut = false;
      try {
        while (!(await reader.read()).done);
      } catch {
        cut = true;
      }
      const cutAfterMs = Date.now() - sigtermAt;
      await exited;
      expect(cut).toBe(true);
      expect(cutAfterMs).toBeLessThan(8_000);

      // Settled well within the default 15 min hold timeout: billing got the completion, the ledger did not expire it.
      const settled = await stack.settledCredits(key, { timeoutMs: 20_000 });
      let rows: Array<{ outcome: string; settlement: string }> = [];
      for (const deadline = Date.now() + 10_000; rows.length === 0 && Date.now() < deadline; await sleep(100)) {
        ({ rows } = await pg.query(`SELECT outcome, settlement FROM billing.charges WHERE request_id = $1 AND workspace_id = $2`, [requestId, id]));
      }
      expect(rows).toEqual([expect.objectContaining({ outcome: 'client_aborted' })]);
      expect(BigInt(settled.balance_micros)).toBeLessThanOrEqual(1_000_000n);
      // Exited through Nest's close after the settlement, not by the hard deadline's exit(1).
      if (short.process.exitCode === 1) throw new Error(`exited by the hard deadline:\n${short.output().slice(-3_000)}`);
    } finally {
      await slow.stop();
    }
  }, 400_000);
});
