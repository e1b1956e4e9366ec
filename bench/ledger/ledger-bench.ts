/**
 * Ledger hold benchmark: a real ledger process, real Postgres and NATS, hold commands sent through
 * HoldCommandsClient exactly as the gateway and billing send them (`--path nest`: one Nest packet per command,
 * the way NatsBus sends them, for comparison). Scenarios:
 *   spread   hold+capture pairs/s, closed loop, holds spread over many workspaces
 *   hot      the same on one workspace
 *   latency  holds at a fixed rate (open loop) with their captures; hold latency p50/p99/max, after --warmup seconds
 *            at the same rate (not measured: a just-started ledger runs unoptimized code on cold connections)
 *   floor    the same open loop against durable-floor.mjs (NATS + one group-committed row per command, no ledger):
 *            what any durable request/reply service gets from this machine, measured in the same run
 * Each scenario also reports the CPU time per pair of the ledger process, of the Postgres backends serving its
 * database and of this load generator, and how busy the machine was with other work meanwhile.
 * Usage: node -r @swc-node/register bench/ledger/ledger-bench.ts [--seconds 10] [--concurrency 256] [--rate 1000] [--accounts 1000]
 *        [--only spread,hot,latency,floor] [--perf /tmp/ledger.perf.data] [--path lean|nest] [--dist /tmp/ledger-dist]
 * --dist runs the ledger compiled by scripts/build-dist.js (plain node, no TypeScript loader) from that directory.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LedgerAccountOpen, LedgerTransferCreate, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
import { HOLD_COMMANDS_CLIENT_DEFAULTS, HoldCommandsClient } from '@switchyard/nats';
import { createTestDatabase, freePort, REPO_ROOT, type ServiceProcess, startServiceProcess, TestCommandClient, uniqueSubjectPrefix } from '@switchyard/testing';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '256' },
    rate: { type: 'string', default: '1000' },
    /** latency scenario: seconds at the same rate before measuring */
    warmup: { type: 'string', default: '3' },
    accounts: { type: 'string', default: '1000' },
    only: { type: 'string' },
    /** record `perf record -a -g` into this file while the first measured scenario runs (ledger started with --perf-basic-prof) */
    perf: { type: 'string' },
    path: { type: 'string', default: 'lean' },
    dist: { type: 'string' },
    /** experiment only: override HoldCommandsClient's maxInFlightMessages (the services use the default) */
    'client-in-flight': { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const WARMUP_SECONDS = Number(args.warmup);
const ACCOUNTS = Number(args.accounts);

type Reply = { ok: boolean; data?: Record<string, string>; error?: { code: string } };

/** The old path, for comparison: Nest's packet format, one message per command, no response validation. */
class RawLedgerClient {
  private counter = 0;
  constructor(private readonly nc: NatsConnection, private readonly prefix: string) {}

  async request(subject: string, data: unknown): Promise<Reply> {
    const packet = JSON.stringify({ pattern: subject, data, id: String(++this.counter) });
    const reply = await this.nc.request(`${this.prefix}${subject}`, packet, { timeout: 10_000 });
    return (JSON.parse(reply.string()) as { response: Reply }).response;
  }
}

/** The new path: the client the gateway and billing inject, with its defaults (NatsModule provides no options). */
class LeanLedgerClient {
  constructor(private readonly holds: HoldCommandsClient) {}

  async request(subject: string, data: unknown): Promise<Reply> {
    const options = { timeoutMs: 10_000 };
    try {
      const reply =
        subject === 'ledger.hold.create'
          ? await this.holds.create(data as Parameters<HoldCommandsClient['create']>[0], options)
          : await this.holds.capture(data as Parameters<HoldCommandsClient['capture']>[0], options);
      return { ok: true, data: reply as Record<string, string> };
    } catch (error) {
      return { ok: false, error: { code: String((error as { code?: unknown }).code) } };
    }
  }
}

/** A node child of the bench: the last 100 kB of its output kept for errors, stopped by a signal. */
function spawnBenchChild(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let stopping = false;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code) => {
      // a child that fails during the run says why
      if (code && !stopping) process.stderr.write(`${args.at(-1)} exited with ${code}:\n${output}\n`);
      done();
    }),
  );
  const signal = async (name: NodeJS.Signals) => {
    stopping = true;
    if (child.exitCode === null) child.kill(name);
    await exited;
  };
  return { child, output: () => output, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

/** Waits until `isReady` answers true, polling; fails with the child's output if it exits or the deadline passes. */
async function untilReady(spawned: ReturnType<typeof spawnBenchChild>, what: string, isReady: () => Promise<boolean> | boolean): Promise<void> {
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 50))) {
    if (spawned.child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start:\n${spawned.output()}`);
    if (await isReady()) return;
  }
}

/** The ledger compiled by scripts/build-dist.js into `dir`, started like the image's CMD. */
async function startDistLedger(dir: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawned = spawnBenchChild([`${dir}/apps/ledger/src/main.js`], { NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env });
  await untilReady(spawned, 'dist ledger', async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200);
  return { name: 'ledger', url, port, process: spawned.child, output: spawned.output, stop: spawned.stop, kill: spawned.kill };
}

/** Scenarios chosen by --only (comma-separated), all of them without it. */
const chosen = args.only?.split(',').map((name) => name.trim());
const runs = (scenario: string) => !chosen || chosen.includes(scenario);

/** bench/ledger/durable-floor.mjs: a NATS responder that commits one row per command, started on the bench's database. */
async function startDurableFloor(databaseUrl: string, natsUrl: string, subject: string): Promise<{ pid: number; subject: string; stop: () => Promise<void> }> {
  const spawned = spawnBenchChild([resolve(REPO_ROOT, 'bench/ledger/durable-floor.mjs')], { DATABASE_URL: databaseUrl, NATS_URL: natsUrl, FLOOR_SUBJECT: subject });
  await untilReady(spawned, 'durable-floor.mjs', () => spawned.output().includes('ready'));
  return { pid: spawned.child.pid!, subject, stop: spawned.stop };
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a process in ms, 0 if it is gone. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Busy and total ms over all cores, from /proc/stat. */
function machineCpuMs(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3]! + ticks[4]!;
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

/**
 * CPU time spent by each part of the benchmark: the ledger process, the Postgres backends serving its
 * database, the load generator (this process), and the machine as a whole. Divided by the pairs done, this
 * is a cost per pair that other load on a shared machine changes far less than the pairs/s figure.
 */
class CpuMeter {
  /** `servicePid` answers the commands (the ledger, or the floor's responder); `serviceLabel` names it in the report */
  constructor(private readonly pg: Client, private readonly database: string, private readonly servicePid: number, private readonly serviceLabel = 'ledger') {}

  async sample() {
    const { rows } = await this.pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [this.database]);
    const backends = new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)]));
    const own = process.cpuUsage();
    return { at: performance.now(), service: processCpuMs(this.servicePid), backends, bench: (own.user + own.system) / 1_000, machine: machineCpuMs() };
  }

  async report(before: Awaited<ReturnType<CpuMeter['sample']>>, units: number) {
    const after = await this.sample();
    let postgres = 0;
    for (const [pid, ms] of after.backends) postgres += ms - (before.backends.get(pid) ?? 0);
    const perUnit = (ms: number) => Math.round((ms * 1_000) / Math.max(units, 1));
    const machine = after.machine.busy - before.machine.busy;
    const ours = after.service - before.service + postgres + (after.bench - before.bench);
    return {
      cpuMicrosPerPair: { [this.serviceLabel]: perUnit(after.service - before.service), postgres: perUnit(postgres), loadGenerator: perUnit(after.bench - before.bench) },
      // share of all cores busy during the run, and the part of it that was not this benchmark
      machineBusyPercent: Math.round((100 * machine) / Math.max(after.machine.total - before.machine.total, 1)),
      otherLoadPercent: Math.max(0, Math.round((100 * (machine - ours)) / Math.max(after.machine.total - before.machine.total, 1))),
    };
  }
}

let perfRecorded = false;

/** `perf record` over the whole machine for the first scenario (--perf <file>); returns a stop function. */
function startPerf(): (() => Promise<void>) | undefined {
  if (!args.perf || perfRecorded) return undefined;
  perfRecorded = true;
  const child = spawn('perf', ['record', '-F', '499', '-a', '-g', '-o', resolve(args.perf)], { stdio: 'ignore' });
  return () =>
    new Promise((done) => {
      child.once('exit', () => done());
      child.kill('SIGINT');
    });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const db = await createTestDatabase('ledgerbench');
  const prefix = uniqueSubjectPrefix();
  const profiling: Record<string, string> = args.perf ? { NODE_OPTIONS: '--perf-basic-prof' } : {};
  const ledgerEnv = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, LOG_LEVEL: 'error', OTEL_SDK_DISABLED: 'true', ...profiling };
  const ledger = args.dist ? await startDistLedger(resolve(args.dist), ledgerEnv) : await startServiceProcess('ledger', ledgerEnv, { readyTimeoutMs: 60_000 });
  const setup = await TestCommandClient.connect(prefix);
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers: natsUrl });
  const clientOptions = { ...HOLD_COMMANDS_CLIENT_DEFAULTS, ...(args['client-in-flight'] ? { maxInFlightMessages: Number(args['client-in-flight']) } : {}) };
  const holds = new HoldCommandsClient({ serviceName: 'bench', url: natsUrl, subjectPrefix: prefix, requestTimeoutMs: 10_000 }, clientOptions);
  const client = args.path === 'nest' ? new RawLedgerClient(nc, prefix) : new LeanLedgerClient(holds);
  const monitor = new Client({ connectionString: db.url });
  await monitor.connect();
  const meter = new CpuMeter(monitor, db.name, ledger.process.pid!);
  const results: Record<string, unknown> = {
    machine: { cores: cpus().length, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))), startedAt: new Date().toISOString() },
    path: args.path,
    client: args.path === 'nest' ? undefined : clientOptions,
    ledgerBuild: args.dist ? 'dist' : 'swc-register',
    batch: { maxCommands: process.env.LEDGER_BATCH_MAX_COMMANDS ?? 'default', lingerMs: process.env.LEDGER_BATCH_LINGER_MS ?? 'default' },
  };
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
      const perf = startPerf();
      const cpuBefore = await meter.sample();
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
      await perf?.();
      results[name] = { pairsPerSecond: Math.round(pairs / seconds), pairs, failures, seconds: Number(seconds.toFixed(1)), concurrency: CONCURRENCY, ...(await meter.report(cpuBefore, pairs)) };
      process.stdout.write(`${name}: ${JSON.stringify(results[name])}\n`);
    };

    if (runs('spread')) await closedLoop('spread', (i) => workspaces[i % workspaces.length]!);
    if (runs('hot')) await closedLoop('hot', () => workspaces[0]!);

    /** Holds at RATE for `seconds`, open loop; each hold's latency is recorded with the second it was sent in. */
    type Pair = (i: number, latencies?: number[]) => Promise<boolean>;
    const openLoop = async (pair: Pair, seconds: number, latencies?: Array<{ second: number; ms: number }>): Promise<{ outcomes: boolean[]; achieved: number }> => {
      const inFlight: Array<Promise<boolean>> = [];
      const total = RATE * seconds;
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1_000) / RATE;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const second = Math.floor(i / RATE);
        const recorded = latencies ? ([] as number[]) : undefined;
        inFlight.push(pair(i, recorded).finally(() => recorded?.[0] !== undefined && latencies!.push({ second, ms: recorded[0] })));
      }
      const outcomes = await Promise.all(inFlight);
      return { outcomes, achieved: total / ((performance.now() - started) / 1_000) };
    };
    /** Warm-up, then SECONDS measured at RATE: hold latency p50/p99/max, per second too, and CPU per pair. */
    const fixedRate = async (name: string, pair: Pair, meter: CpuMeter) => {
      if (WARMUP_SECONDS > 0) await openLoop(pair, WARMUP_SECONDS);
      const recorded: Array<{ second: number; ms: number }> = [];
      const cpuBefore = await meter.sample();
      const measuredFrom = new Date().toISOString();
      const { outcomes, achieved } = await openLoop(pair, SECONDS, recorded);
      const latencies = recorded.map((r) => r.ms).sort((a, b) => a - b);
      const perSecond = Array.from({ length: SECONDS }, (_, second) => {
        const inSecond = recorded.filter((r) => r.second === second).map((r) => r.ms).sort((a, b) => a - b);
        return [Number(percentile(inSecond, 50).toFixed(1)), Number(percentile(inSecond, 99).toFixed(1))];
      });
      results[name] = {
        targetHoldsPerSecond: RATE,
        achievedHoldsPerSecond: Math.round(achieved),
        warmupSeconds: WARMUP_SECONDS,
        holds: latencies.length,
        failures: outcomes.filter((ok) => !ok).length,
        p50Ms: Number(percentile(latencies, 50).toFixed(2)),
        p99Ms: Number(percentile(latencies, 99).toFixed(2)),
        maxMs: Number(latencies[latencies.length - 1]!.toFixed(2)),
        ...(await meter.report(cpuBefore, RATE * SECONDS)),
        /** wall clock of the first measured second, to line the seconds up with Postgres' own statistics */
        measuredFrom,
        /** [p50, p99] ms of the holds sent in each measured second */
        perSecondP50P99Ms: perSecond,
      };
      process.stdout.write(`${name}: ${JSON.stringify(results[name])}\n`);
    };

    if (runs('latency')) {
      await fixedRate('latency', (i, recorded) => holdAndCapture(workspaces[i % workspaces.length]!, recorded), meter);
    }
    if (runs('floor')) {
      // the same open loop against the machine's floor: one durable row per command, no ledger (durable-floor.mjs)
      const floor = await startDurableFloor(db.url, natsUrl, `${prefix}bench.durable-floor`);
      try {
        const floorMeter = new CpuMeter(monitor, db.name, floor.pid, 'floorResponder');
        const command = async (body: string) => (await nc.request(floor.subject, body, { timeout: 10_000 })).string() === '{"ok":true}';
        await fixedRate('floor', async (_i, recorded) => {
          const holdId = randomUUID();
          const started = performance.now();
          const held = await command(JSON.stringify({ op: 'create', holdId, amountMicros: '5000' }));
          recorded?.push(performance.now() - started);
          return held && (await command(JSON.stringify({ op: 'capture', holdId, amountMicros: '3217' })));
        }, floorMeter);
      } finally {
        await floor.stop();
      }
    }

    // now() is the transaction's start: distinct created_at of hold transfers = hold batches committed
    const [batches] = (
      await monitor.query<{ transfers: string; batches: string }>(
        "SELECT count(*)::text AS transfers, count(DISTINCT created_at)::text AS batches FROM ledger.transfers WHERE kind IN ('pending', 'post')",
      )
    ).rows;
    results.holdBatches = { commands: Number(batches!.transfers), batches: Number(batches!.batches), commandsPerBatch: Math.round(Number(batches!.transfers) / Math.max(Number(batches!.batches), 1)) };
    const audit = (await (await fetch(`${ledger.url}/audit`)).json()) as { balanced: boolean };
    results.auditBalanced = audit.balanced;
    process.stdout.write(`${JSON.stringify({ ...results, seconds: SECONDS, accounts: ACCOUNTS }, null, 2)}\n`);
  } finally {
    await monitor.end();
    await holds.close();
    await nc.close();
    await setup.close();
    await ledger.stop();
    await db.drop();
  }
}

void main();
