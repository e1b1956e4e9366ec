#!/usr/bin/env node
// Switchyard vs the shared gateway-bench kit: starts the dev stack with its OpenAI upstream pointed at the
// kit's mock, funds a bench workspace through the admin API, runs the kit's compare.mjs against the
// gateway (direct vs floor proxy vs Portkey vs Switchyard, interleaved rounds) and stops the stack.
//
//   node bench/gateway-ttfb.mjs                         # c1-sse,c1-json,r200-sse, 3 rounds (see bench/README.md)
//   node bench/gateway-ttfb.mjs --quick                 # ~1 min smoke run
//   node bench/gateway-ttfb.mjs --profile [--cpu-prof]  # stage timings (+ V8 CPU profiles) instead of compare
//   BENCH_KIT=/path/to/bench node bench/gateway-ttfb.mjs -- --latency-ms 50   # args after -- go to compare.mjs
//
// The kit is referenced, never copied: BENCH_KIT (default ../shared/bench from the repo root).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alive, MOCK_PORT, readJson, run, sleep, startBenchStack, startMock } from './lib/bench-stack.mjs';
import { holdCommandLatency, scrapeHoldCommandBuckets } from './lib/ledger-latency.mjs';
import { measureStackCpu, stackSnapshot } from './lib/stack-cpu.mjs';
import { waitForSettlement } from './lib/settlement-backlog.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const { values: opt } = parseArgs({
  args: split === -1 ? argv : argv.slice(0, split),
  options: {
    scenarios: { type: 'string', default: 'c1-sse,c1-json,r200-sse' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    'no-portkey': { type: 'boolean', default: false },
    root: { type: 'string', default: REPO },
    model: { type: 'string', default: 'openai/gpt-4o-mini' },
    'credit-micros': { type: 'string', default: process.env.BENCH_CREDIT_MICROS ?? '1000000000' },
    'keep-stack': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    'profile-seconds': { type: 'string', default: '10' },
    'stack-cpu': { type: 'string', default: 'c1-json,c1-sse' },
    'stack-cpu-seconds': { type: 'string', default: '8' },
    'stack-env': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h' },
  },
});
const passThrough = split === -1 ? [] : argv.slice(split + 1);

if (opt.help) {
  console.log(`usage: node bench/gateway-ttfb.mjs [options] [-- compare.mjs options]
  --scenarios LIST       compare scenarios (default c1-sse,c1-json,r200-sse)
  --rounds N             interleaved rounds per scenario (default 3)
  --quick                compare --quick (1 round x 2 s), for a smoke check
  --no-portkey           skip the Portkey peer (automatic when the kit's peers are not installed)
  --root DIR             the Switchyard checkout to run (default: this repo), e.g. a \`git archive\` snapshot
  --model ID             model id sent to the gateway (default openai/gpt-4o-mini → upstream gpt-4o-mini)
  --credit-micros N      credits of the bench workspace (default 1000000000 = $1000; env BENCH_CREDIT_MICROS)
  --source               run the TypeScript sources through @swc-node/register (default: compile with
                         scripts/build-dist.js and run dist/ with NODE_ENV=production, as the image does)
  --stack-cpu LIST       after compare: CPU per request of every stack process (services, Postgres, NATS, Redis)
                         for these scenarios, Switchyard alone (default c1-json,c1-sse; "" to skip)
  --keep-stack           leave the stack running afterwards (stop: node scripts/dev-stack.mjs down)
  --profile              instead of compare: time each stage of the request path (bench/lib/stage-timer.cjs)
                         over the first scenario against the mock; --cpu-prof adds V8 CPU profiles
  --stack-env NAME=VALUE one setting for every service of the stack (repeatable), e.g. RATE_LIMIT_DEFAULT_RPM=0
env: BENCH_KIT (default ../shared/bench), PORT (gateway port, default 8080), LOG_LEVEL (passed to the stack)`);
  process.exit(0);
}

const ROOT = path.resolve(opt.root);
const KIT = path.resolve(REPO, process.env.BENCH_KIT ?? '../shared/bench');
// Checked before the stack starts: a typo must not leave a started stack behind (`--stack-cpu ''` turns it off).
const STACK_CPU_SCENARIOS = opt['stack-cpu'].split(',').map((s) => s.trim()).filter(Boolean);
for (const name of STACK_CPU_SCENARIOS) if (!/^(c|r)(\d+)-(json|sse)$/.test(name)) fail(`bad --stack-cpu scenario ${name} (e.g. c1-json,c64-sse, or '' for none)`);
const GATEWAY_PORT = Number(process.env.PORT ?? 8080);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const RESULTS = path.join(HERE, 'results');

function fail(message) {
  console.error(`gateway-ttfb: ${message}`);
  process.exit(1);
}

// ------------------------------------------------------------------------------------------ preflight + stack

if (!existsSync(path.join(KIT, 'compare.mjs'))) fail(`no bench kit at ${KIT} (set BENCH_KIT)`);
const portkeyInstalled = existsSync(path.join(KIT, 'peers', 'node_modules', '@portkey-ai', 'gateway'));
const noPortkey = opt['no-portkey'] || !portkeyInstalled;
if (!opt['no-portkey'] && !portkeyInstalled) console.warn(`gateway-ttfb: Portkey peer not installed in ${KIT}/peers; running without it`);
mkdirSync(RESULTS, { recursive: true });

const profileDir = path.join(RESULTS, `profile-${stamp}`);
const { pids, dev, apiKey, balance, down: stackDown } = await startBenchStack({
  name: 'gateway-ttfb',
  root: ROOT,
  kit: KIT,
  gatewayPort: GATEWAY_PORT,
  source: opt.source,
  creditMicros: opt['credit-micros'],
  keepStack: opt['keep-stack'],
  env: {
    // experiments: --stack-env NAME=VALUE (repeatable) overrides one service setting for the whole run
    ...Object.fromEntries(opt['stack-env'].map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
    ...(opt.profile
    ? {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} -r ${path.join(HERE, 'lib', 'stage-timer.cjs')}`.trim(),
        STAGE_TIMER_DIR: profileDir,
        STAGE_TIMER_CPU: opt['cpu-prof'] ? '1' : '0',
      }
    : {}),
  },
});

// ------------------------------------------------------------------------------------------ measure

// Settlement left over from earlier runs (the stream outlives the stack) would load this one with work not its own.
const leftover = await waitForSettlement(300_000);
if (leftover > 0) console.warn(`gateway-ttfb: billing still has ${leftover} completion message(s) of earlier runs to settle after 5 min; they load this run`);

let code = 0;
if (!opt.profile) {
  const out = path.join(RESULTS, `compare-${stamp}.json`);
  const args = [
    path.join(KIT, 'compare.mjs'),
    '--target', dev.url,
    '--target-name', 'switchyard',
    '--target-header', `authorization: Bearer ${apiKey}`,
    '--target-model', opt.model,
    '--mock-port', String(MOCK_PORT),
    '--scenarios', opt.scenarios,
    '--rounds', opt.rounds,
    '--out', out,
    ...(opt.quick ? ['--quick'] : []),
    ...(noPortkey ? ['--no-portkey'] : []),
    ...passThrough,
  ];
  code = await run(process.execPath, args, { cwd: KIT, tee: path.join(RESULTS, `compare-${stamp}.txt`) });
  console.log(`gateway-ttfb: table also in bench/results/compare-${stamp}.txt, per-round JSON in ${path.relative(REPO, out)}`);
  if (code === 0 && STACK_CPU_SCENARIOS.length > 0) await stackCpu(STACK_CPU_SCENARIOS);
} else {
  // Stage timings: mock + the kit's load generator on the first scenario; SIGWINCH brackets the measured run.
  const scenario = /^(c|r)(\d+)-(json|sse)$/.exec(opt.scenarios.split(',')[0].trim());
  if (!scenario) fail(`bad scenario ${opt.scenarios}`);
  const loadArgs = [
    path.join(KIT, 'load.mjs'), '--url', dev.url, '--header', `authorization: Bearer ${apiKey}`, '--model', opt.model,
    ...(scenario[1] === 'c' ? ['--concurrency', scenario[2]] : ['--rate', scenario[2]]),
    ...(scenario[3] === 'sse' ? ['--stream'] : []),
    '--warmup', '0',
  ];
  const mock = await startMock(KIT);
  const quiet = { silent: true };
  console.log('gateway-ttfb: warm-up (4 s, unmeasured)');
  await run(process.execPath, [...loadArgs, '--duration', '4'], { cwd: KIT, ...quiet });
  const services = Object.values(pids).filter(alive);
  for (const pid of services) process.kill(pid, 'SIGWINCH');
  console.log(`gateway-ttfb: measuring ${scenario[0]} for ${opt['profile-seconds']} s`);
  const loadOut = path.join(RESULTS, `profile-${stamp}.load.json`);
  code = await run(process.execPath, [...loadArgs, '--duration', opt['profile-seconds'], '--out', loadOut], { cwd: KIT, silent: true });
  for (const pid of services) process.kill(pid, 'SIGWINCH');
  await sleep(opt['cpu-prof'] ? 3000 : 1000);
  mock.kill('SIGTERM');
  const load = readJson(loadOut);
  if (load) console.log(`\nclient: ${load.rps} rps, ok ${load.requests.ok}, ttfb p50 ${load.ttfb_ms?.p50 ?? '-'} ms, latency p50 ${load.latency_ms.p50} ms`);
  for (const file of existsSync(profileDir) ? readdirSync(profileDir).filter((f) => f.endsWith('.stages.json')).sort() : []) {
    const { service, stages } = readJson(path.join(profileDir, file));
    if (Object.keys(stages).length === 0) continue;
    console.log(`\n${service} (ms; "at X" = since the HTTP request arrived)`);
    for (const [name, s] of Object.entries(stages).sort((a, b) => a[1].p50 - b[1].p50)) {
      console.log(`  ${name.padEnd(46)} n=${String(s.count).padStart(6)}  p50 ${s.p50.toFixed(3).padStart(8)}  mean ${s.mean.toFixed(3).padStart(8)}  p90 ${s.p90.toFixed(3).padStart(8)}`);
    }
  }
  if (opt['cpu-prof']) console.log(`\nCPU profiles: ${path.relative(REPO, profileDir)}/ (node bench/lib/cpuprofile-top.mjs FILE.cpuprofile --requests N)`);
}

async function stackCpu(scenarios) {
  const mock = await startMock(KIT);
  const rows = [];
  for (const name of scenarios) {
    const scenario = /^(c|r)(\d+)-(json|sse)$/.exec(name);
    if (!scenario) fail(`bad --stack-cpu scenario ${name}`);
    const loadOut = path.join(RESULTS, `stack-cpu-${stamp}-${name}.json`);
    const loadArgs = [
      path.join(KIT, 'load.mjs'), '--url', dev.url, '--header', `authorization: Bearer ${apiKey}`, '--model', opt.model,
      ...(scenario[1] === 'c' ? ['--concurrency', scenario[2]] : ['--rate', scenario[2]]),
      ...(scenario[3] === 'sse' ? ['--stream'] : []),
    ];
    await run(process.execPath, [...loadArgs, '--duration', '2', '--warmup', '0'], { cwd: KIT, silent: true });
    const ledgerBefore = await scrapeHoldCommandBuckets();
    const result = await measureStackCpu(() => stackSnapshot(pids), async () => {
      await run(process.execPath, [...loadArgs, '--duration', opt['stack-cpu-seconds'], '--warmup', '0', '--out', loadOut], { cwd: KIT, silent: true });
      // Settlement (billing, ledger) finishes after the last response: count it, up to the last completion settled.
      const unsettled = await waitForSettlement(30_000);
      if (unsettled > 0) console.warn(`gateway-ttfb: ${name}: ${unsettled} completion message(s) still unsettled 30 s after the load; their settlement is not counted`);
      return readJson(loadOut)?.requests.completed ?? 0;
    });
    const load = readJson(loadOut);
    // the load's commands, its captures included (counted up to the last settlement), over the load's seconds
    const ledger = holdCommandLatency(ledgerBefore, await scrapeHoldCommandBuckets(), Number(opt['stack-cpu-seconds']));
    rows.push({ name, rps: load?.rps, ...result, ledger });
  }
  mock.kill('SIGTERM');
  const names = Object.keys(stackSnapshot(pids));
  console.log(`\nCPU per request across the stack (Switchyard alone, µs; postgres/nats/redis are shared with the machine: upper bounds)`);
  console.log(`  scenario      rps  ${names.map((n) => n.padStart(14)).join('')}        total`);
  for (const row of rows) {
    console.log(`  ${row.name.padEnd(9)} ${String(Math.round(row.rps ?? 0)).padStart(6)}  ${names.map((n) => String(row.perRequestUs[n] ?? "-").padStart(14)).join('')} ${String(row.totalUs).padStart(12)}`);
  }
  console.log(`\nLedger hold commands in the same loads (ledger_hold_command_duration_seconds: arrival to commit in the ledger, batch wait included)`);
  console.log(`  scenario  command     per s    p50 ms    p99 ms`);
  for (const row of rows) {
    for (const [command, figures] of Object.entries(row.ledger)) {
      console.log(`  ${row.name.padEnd(9)} ${command.padEnd(9)} ${String(figures.perSecond).padStart(7)} ${String(figures.p50Ms).padStart(9)} ${String(figures.p99Ms).padStart(9)}`);
    }
  }
  writeFileSync(path.join(RESULTS, `stack-cpu-${stamp}.json`), JSON.stringify(rows, null, 2));
}

// ------------------------------------------------------------------------------------------ teardown

const died = Object.entries(pids).filter(([, pid]) => !alive(pid)).map(([name]) => name);
if (died.length) {
  console.error(`gateway-ttfb: stack service(s) exited during the run: ${died.join(', ')} (see ${ROOT}/.switchyard/logs/)`);
  code ||= 1;
} else {
  const unsettled = await waitForSettlement(60_000);
  console.log(`gateway-ttfb: bench workspace balance after the run: $${await balance().catch(() => '?')}; completion messages left to settle: ${unsettled}`);
}
await stackDown();
process.exit(code);
