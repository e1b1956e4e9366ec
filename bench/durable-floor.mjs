#!/usr/bin/env node
// What issue 12's targets leave for a gateway that does not lose money, on this machine: the kit's compare with
// the durable floor (durable-floor-proxy.mjs: the floor proxy plus a completion in JetStream before the answer ends,
// and a consumer committing it to Postgres) as its target, interleaved with direct and the floor proxy; then the CPU
// per request of every process behind each proxy (the proxy with its consumer, nats-server, the Postgres backends),
// one c64 load at a time.
//   node bench/durable-floor.mjs [--scenarios c1-json,c1-sse,c64-json,c64-sse] [--rounds 2]
//                                [--cpu-scenarios c64-json] [--cpu-seconds 8] [--no-consumer]
// Needs NATS and Postgres (make infra), the kit set up, ports 18080 and 18090 free. Output: results/durable-floor-*.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kitProblem, MOCK_PORT, portBusy, readJson, run, sleep, startMock, track } from './lib/bench-stack.mjs';
import { measureStackCpu, stackSnapshot } from './lib/stack-cpu.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const KIT = path.resolve(REPO, process.env.BENCH_KIT ?? '../shared/bench');
const RESULTS = path.join(HERE, 'results');
const PROXY_PORT = 18090;

const { values: opt } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'c1-json,c1-sse,c64-json,c64-sse' },
    rounds: { type: 'string', default: '2' },
    'cpu-scenarios': { type: 'string', default: 'c64-json' },
    'cpu-seconds': { type: 'string', default: '8' },
    'no-consumer': { type: 'boolean', default: false },
  },
});

const kitMissing = kitProblem(KIT);
if (kitMissing) {
  console.error(`durable-floor: ${kitMissing}`);
  process.exit(1);
}
for (const port of [MOCK_PORT, PROXY_PORT]) {
  if (await portBusy(port)) {
    console.error(`durable-floor: port ${port} is taken`);
    process.exit(1);
  }
}
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const proxyArgs = [path.join(HERE, 'durable-floor-proxy.mjs'), '--port', String(PROXY_PORT), ...(opt['no-consumer'] ? ['--no-consumer'] : [])];

const compareOut = path.join(RESULTS, `durable-floor-compare-${stamp}.json`);
const code = await run(
  process.execPath,
  [path.join(KIT, 'compare.mjs'), '--no-portkey', '--target-cmd', [process.execPath, ...proxyArgs].map((arg) => JSON.stringify(arg)).join(' '), '--target', `http://127.0.0.1:${PROXY_PORT}`,
    '--target-name', 'durable-floor', '--scenarios', opt.scenarios, '--rounds', opt.rounds, '--out', compareOut],
  { cwd: KIT, tee: path.join(RESULTS, `durable-floor-compare-${stamp}.txt`) },
);
if (code !== 0) process.exit(code);

/** Starts a proxy, waits for its FLOOR_READY line; resolves with the child. */
async function startProxy(args) {
  const child = track(spawn(process.execPath, args, { cwd: KIT, stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('FLOOR_READY')) resolve();
    });
    child.once('exit', (exitCode) => reject(new Error(`${path.basename(args[0])} exited (${exitCode})`)));
  });
  return child;
}

const mock = await startMock(KIT);
const rows = [];
for (const name of opt['cpu-scenarios'].split(',').map((s) => s.trim()).filter(Boolean)) {
  const scenario = /^c(\d+)-(json|sse)$/.exec(name);
  if (!scenario) throw new Error(`bad --cpu-scenarios entry ${name} (c<N>-json|sse)`);
  for (const [label, args] of [['floor', [path.join(KIT, 'floor-proxy.mjs'), '--port', String(PROXY_PORT)]], ['durable-floor', proxyArgs]]) {
    const proxy = await startProxy(args);
    const loadOut = path.join(RESULTS, `durable-floor-cpu-${stamp}-${label}-${name}.json`);
    const loadArgs = [path.join(KIT, 'load.mjs'), '--url', `http://127.0.0.1:${PROXY_PORT}`, '--concurrency', scenario[1], ...(scenario[2] === 'sse' ? ['--stream'] : [])];
    await run(process.execPath, [...loadArgs, '--duration', '2', '--warmup', '0'], { cwd: KIT, silent: true });
    const result = await measureStackCpu(() => stackSnapshot({ [label]: proxy.pid }, 'bench_durable_floor'), async () => {
      await run(process.execPath, [...loadArgs, '--duration', opt['cpu-seconds'], '--warmup', '0', '--out', loadOut], { cwd: KIT, silent: true });
      await sleep(1_000); // the consumer's last commits
      return readJson(loadOut)?.requests.completed ?? 0;
    });
    proxy.kill('SIGTERM');
    await new Promise((resolve) => proxy.once('exit', resolve));
    rows.push({ scenario: name, target: label, rps: Math.round(readJson(loadOut)?.rps ?? 0), ...result });
  }
}
mock.kill('SIGTERM');

console.log('\nCPU per request of every process behind the proxy (µs; nats-server and the Postgres writers are shared with the machine: upper bounds)');
console.log(`  ${'scenario'.padEnd(10)}${'target'.padEnd(15)}${'rps'.padStart(7)}${'proxy'.padStart(9)}${'postgres'.padStart(10)}${'nats'.padStart(8)}${'total'.padStart(8)}`);
for (const row of rows) {
  const us = row.perRequestUs;
  console.log(`  ${row.scenario.padEnd(10)}${row.target.padEnd(15)}${String(row.rps).padStart(7)}${String(us[row.target]).padStart(9)}${String(us.postgres).padStart(10)}${String(us.nats).padStart(8)}${String(row.totalUs).padStart(8)}`);
}
writeFileSync(path.join(RESULTS, `durable-floor-cpu-${stamp}.json`), JSON.stringify(rows, null, 2));
console.log(`\ndurable-floor: compare table in ${path.relative(REPO, compareOut).replace(/\.json$/, '.txt')}, CPU rows in results/durable-floor-cpu-${stamp}.json`);
