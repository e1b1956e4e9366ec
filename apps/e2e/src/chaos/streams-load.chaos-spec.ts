import { readFileSync } from 'node:fs';
import { startTestStack, type TestStack } from '@switchyard/testing';
import { createFundedWorkspace, fetchCredits } from '../../../gateway/test/support/gateway-test-stack';
import { chargeRows, holdStates } from './money-checks';
import { OwnServer, sleep } from './own-infra';
import { TickingUpstream } from './ticking-upstream';

/**
 * Issue 13, load: LOAD_STREAMS (1,000) concurrent streaming requests held open for about a minute (a token per
 * second from the upstream), through ledger, router, billing and gateway. Pass: no errors, no stalled stream (the
 * longest silence between two events of any stream stays under STALL_MS), the gateway's RSS stays bounded, and
 * billing is exact (each stream charged the cost it was told, the balance moved by their sum, audit balanced).
 * Numbers are printed for bench/README.md.
 */

const STREAMS = Number(process.env.LOAD_STREAMS ?? 1_000);
const TOKENS = Number(process.env.LOAD_TOKENS ?? 60);
const TOKEN_INTERVAL_MS = 1_000;
const RAMP_MS = Number(process.env.LOAD_RAMP_MS ?? 10_000);
const STALL_MS = 5_000;
const RSS_MAX_MB = Number(process.env.LOAD_RSS_MAX_MB ?? 1_024);
const UPSTREAM_KEY = 'sk-load-upstream';

interface StreamResult {
  requestId?: string;
  status?: number;
  events: number;
  maxGapMs: number;
  firstEventMs?: number;
  done: boolean;
  costMicros?: bigint;
  error?: string;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** "message ×count" for each distinct message. */
function distinct(messages: string[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].map(([m, n]) => `${m} ×${n}`).join('; ');
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe(`load: ${STREAMS} concurrent streams held open for ~${Math.round((TOKENS * TOKEN_INTERVAL_MS) / 1000)} s`, () => {
  const upstream = new TickingUpstream({ tokens: TOKENS, intervalMs: TOKEN_INTERVAL_MS, promptTokens: 19 });
  let nats: OwnServer;
  let redis: OwnServer;
  let stack: TestStack;
  let gatewayUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    await upstream.start();
    nats = await OwnServer.nats();
    redis = await OwnServer.redis();
    stack = await startTestStack({
      services: ['ledger', 'router', 'billing', 'gateway'],
      env: {
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        OPENAI_API_KEY: UPSTREAM_KEY,
        OPENAI_BASE_URL: upstream.baseUrl,
        RATE_LIMIT_DEFAULT_RPM: '1000000',
        GATEWAY_STREAMS_PER_KEY_MAX: String(STREAMS * 2),
      },
    });
    gatewayUrl = stack.url('gateway');
    apiKey = (await createFundedWorkspace(gatewayUrl, stack.adminToken, 'load', 100_000_000n)).key;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await nats?.dispose();
    await redis?.dispose();
    await upstream.stop();
  }, 60_000);

  async function oneStream(index: number): Promise<StreamResult> {
    const result: StreamResult = { events: 0, maxGapMs: 0, done: false };
    const startedMs = Date.now();
    try {
      const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `load stream ${index}` }], max_tokens: TOKENS + 4, stream: true, stream_options: { include_usage: true } }),
        signal: AbortSignal.timeout(TOKENS * TOKEN_INTERVAL_MS + 120_000),
      });
      result.status = response.status;
      result.requestId = response.headers.get('x-switchyard-request-id') ?? undefined;
      if (response.status !== 200) {
        result.error = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
        return result;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      let lastEventMs = startedMs;
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(bytes, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('data:')) continue; // keep-alive comments
          const now = Date.now();
          if (result.events > 0) result.maxGapMs = Math.max(result.maxGapMs, now - lastEventMs);
          else result.firstEventMs = now - startedMs;
          lastEventMs = now;
          result.events++;
          const data = block.slice(5).trim();
          if (data === '[DONE]') {
            result.done = true;
            continue;
          }
          const chunk = JSON.parse(data) as { error?: { message: string }; usage?: { cost_micros?: string } | null };
          if (chunk.error) result.error = `error chunk: ${chunk.error.message}`;
          if (chunk.usage?.cost_micros !== undefined) result.costMicros = BigInt(chunk.usage.cost_micros);
        }
      }
      if (!result.done && !result.error) result.error = 'stream ended without [DONE]';
      if (result.costMicros === undefined && !result.error) result.error = 'stream ended without usage';
    } catch (error) {
      result.error = `${(error as Error).name}: ${(error as Error).message}`;
    }
    return result;
  }

  it('every stream completes with no error and no stall, the gateway memory stays bounded, billing is exact', async () => {
    const gatewayPid = stack.services.get('gateway')!.process.pid!;
    const before = await fetchCredits(gatewayUrl, apiKey);
    const baselineRssMb = rssMb(gatewayPid);
    const rssSamples: number[] = [];
    const sampler = setInterval(() => rssSamples.push(rssMb(gatewayPid)), 1_000);
    const startedMs = Date.now();
    const streams = Array.from({ length: STREAMS }, async (_, i) => {
      await sleep((i * RAMP_MS) / STREAMS);
      return oneStream(i);
    });
    // All of them open at once at some point (the upstream counts them).
    const results = await Promise.all(streams);
    clearInterval(sampler);
    const elapsedMs = Date.now() - startedMs;

    const errors = results.filter((r) => r.error);
    const gaps = results.map((r) => r.maxGapMs);
    const firsts = results.map((r) => r.firstEventMs ?? 0);
    const peakRssMb = Math.max(baselineRssMb, ...rssSamples);

    // Billing: wait until every hold is settled, then compare stream by stream.
    const settleDeadline = Date.now() + 120_000;
    let credits = await fetchCredits(gatewayUrl, apiKey);
    while (credits.pending_micros !== '0' && Date.now() < settleDeadline) {
      await sleep(500);
      credits = await fetchCredits(gatewayUrl, apiKey);
    }
    const afterRssMb = rssMb(gatewayPid);
    const [holds, charges] = await Promise.all([holdStates(stack.database.url), chargeRows(stack.database.url)]);
    const told = results.reduce((sum, r) => sum + (r.costMicros ?? 0n), 0n);
    const billingProblems = results.flatMap((r) => {
      if (!r.requestId) return [];
      const hold = holds.get(r.requestId);
      const charge = charges.get(r.requestId);
      const expected = r.costMicros ?? 0n;
      if (!hold || hold.chargedMicros !== expected || (r.costMicros !== undefined && charge?.costMicros !== expected)) return [`${r.requestId}: told ${expected}, ledger ${hold?.chargedMicros}, billing ${charge?.costMicros}`];
      return [];
    });
    const audit = (await (await fetch(`${gatewayUrl}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.adminToken}` } })).json()) as { balanced: boolean; sumMicros: string };

    process.stdout.write(
      `\nload: ${STREAMS} streams × ${TOKENS} tokens @ ${TOKEN_INTERVAL_MS} ms, ramp ${RAMP_MS} ms, wall ${(elapsedMs / 1000).toFixed(1)} s\n` +
        `  upstream peak open streams ${upstream.peakOpen}, completed ${results.filter((r) => r.done && !r.error).length}, errors ${errors.length}${errors.length ? ` (${distinct(errors.map((r) => r.error!.replace(/gen-[\w-]+/g, 'gen-…').slice(0, 100)))})` : ''}\n` +
        `  first event p50 ${percentile(firsts, 50)} ms, p99 ${percentile(firsts, 99)} ms; longest gap between events p50 ${percentile(gaps, 50)} ms, p99 ${percentile(gaps, 99)} ms, max ${Math.max(...gaps)} ms\n` +
        `  gateway RSS: baseline ${baselineRssMb} MB, peak ${peakRssMb} MB, after ${afterRssMb} MB (${(((peakRssMb - baselineRssMb) * 1024) / STREAMS).toFixed(1)} KB per stream)\n` +
        `  billing: told ${told} µUSD, balance moved ${BigInt(before.balance_micros) - BigInt(credits.balance_micros)} µUSD, pending ${credits.pending_micros}, ${billingProblems.length} mismatches, audit balanced ${audit.balanced}\n`,
    );

    expect(errors.map((r) => r.error).slice(0, 5)).toEqual([]);
    expect(upstream.peakOpen).toBeGreaterThanOrEqual(Math.floor(STREAMS * 0.95));
    expect(results.every((r) => r.events >= TOKENS + 3)).toBe(true);
    expect(Math.max(...gaps)).toBeLessThan(STALL_MS);
    expect(peakRssMb).toBeLessThan(RSS_MAX_MB);
    expect(credits.pending_micros).toBe('0');
    expect(billingProblems.slice(0, 5)).toEqual([]);
    expect(BigInt(before.balance_micros) - BigInt(credits.balance_micros)).toBe(told);
    expect(audit).toMatchObject({ balanced: true, sumMicros: '0' });
  }, 600_000);
});
