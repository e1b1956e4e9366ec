/**
 * Ledger hold benchmark: a real ledger process, real Postgres and NATS, requests sent the way NatsBus
 * sends them. Scenarios:
 *   spread   hold+capture pairs/s, closed loop, holds spread over many workspaces
 *   hot      the same on one workspace
 *   latency  holds at a fixed rate (open loop) with their captures; hold latency p50/p99/max
 * Usage: node -r @swc-node/register bench/ledger/ledger-bench.ts [--seconds 10] [--concurrency 256] [--rate 1000] [--accounts 1000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LedgerAccountOpen, LedgerTransferCreate, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
import { createTestDatabase, startServiceProcess, TestCommandClient, uniqueSubjectPrefix } from '@switchyard/testing';
import { connect, type NatsConnection } from 'nats';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '256' },
    rate: { type: 'string', default: '1000' },
    accounts: { type: 'string', default: '1000' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const ACCOUNTS = Number(args.accounts);

/** A lean request: Nest's packet format, no response validation, so the load generator stays cheap. */
class RawLedgerClient {
  private counter = 0;
  constructor(private readonly nc: NatsConnection, private readonly prefix: string) {}

  async request(subject: string, data: unknown): Promise<{ ok: boolean; data?: Record<string, string>; error?: { code: string } }> {
    const packet = JSON.stringify({ pattern: subject, data, id: String(++this.counter) });
    const reply = await this.nc.request(`${this.prefix}${subject}`, packet, { timeout: 10_000 });
    return (JSON.parse(reply.string()) as { response: { ok: boolean; data?: Record<string, string>; error?: { code: string } } }).response;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const db = await createTestDatabase('ledgerbench');
  const prefix = uniqueSubjectPrefix();
  const ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'error', OTEL_SDK_DISABLED: 'true' }, { readyTimeoutMs: 60_000 });
  const setup = await TestCommandClient.connect(prefix);
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const client = new RawLedgerClient(nc, prefix);
  const results: Record<string, unknown> = {};
  try {
    const workspaces: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const workspaceId = randomUUID();
      await setup.request(LedgerAccountOpen, { workspaceId });
      await setup.request(LedgerTransferCreate, {
        journalKey: `bench-fund:${workspaceId}`,
        transfers: [{ idempotencyKey: `bench-fund:${workspaceId}`, debitAccount: SYSTEM_ACCOUNTS.ownerEquity, creditAccount: workspaceCreditAccount(workspaceId), amountMicros: '1000000000000', reason: 'operator_grant', metadata: {} }],
      });
      workspaces.push(workspaceId);
    }

    const holdAndCapture = async (workspaceId: string, latencies?: number[]): Promise<boolean> => {
      const holdId = randomUUID();
      const started = performance.now();
      const held = await client.request('ledger.hold.create', { holdId, workspaceId, amountMicros: '5000', timeoutMs: 600_000, metadata: {} });
      latencies?.push(performance.now() - started);
      if (!held.ok) return false;
      const captured = await client.request('ledger.hold.capture', { holdId, amountMicros: '3217', metadata: {} });
      return captured.ok;
    };

    const closedLoop = async (name: string, pick: (i: number) => string) => {
      // warm-up: JIT, pool connections, plan caches
      await Promise.all(Array.from({ length: 64 }, (_, i) => holdAndCapture(pick(i))));
      let pairs = 0;
      let failures = 0;
      const deadline = performance.now() + SECONDS * 1_000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, worker) => {
          for (let i = worker; performance.now() < deadline; i += CONCURRENCY) {
            if (await holdAndCapture(pick(i))) pairs++;
            else failures++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1_000;
      results[name] = { pairsPerSecond: Math.round(pairs / seconds), pairs, failures, seconds: Number(seconds.toFixed(1)), concurrency: CONCURRENCY };
      process.stdout.write(`${name}: ${JSON.stringify(results[name])}\n`);
    };

    if (!args.only || args.only === 'spread') await closedLoop('spread', (i) => workspaces[i % workspaces.length]!);
    if (!args.only || args.only === 'hot') await closedLoop('hot', () => workspaces[0]!);

    if (!args.only || args.only === 'latency') {
      const latencies: number[] = [];
      const inFlight: Array<Promise<boolean>> = [];
      const total = RATE * SECONDS;
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1_000) / RATE;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(holdAndCapture(workspaces[i % workspaces.length]!, latencies));
      }
      const outcomes = await Promise.all(inFlight);
      const achieved = total / ((performance.now() - started) / 1_000);
      latencies.sort((a, b) => a - b);
      results.latency = {
        targetHoldsPerSecond: RATE,
        achievedHoldsPerSecond: Math.round(achieved),
        holds: latencies.length,
        failures: outcomes.filter((ok) => !ok).length,
        p50Ms: Number(percentile(latencies, 50).toFixed(2)),
        p99Ms: Number(percentile(latencies, 99).toFixed(2)),
        maxMs: Number(latencies[latencies.length - 1]!.toFixed(2)),
      };
      process.stdout.write(`latency: ${JSON.stringify(results.latency)}\n`);
    }

    const audit = (await (await fetch(`${ledger.url}/audit`)).json()) as { balanced: boolean };
    results.auditBalanced = audit.balanced;
    process.stdout.write(`${JSON.stringify({ ...results, seconds: SECONDS, accounts: ACCOUNTS }, null, 2)}\n`);
  } finally {
    await nc.close();
    await setup.close();
    await ledger.stop();
    await db.drop();
  }
}

void main();
