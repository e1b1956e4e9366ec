#!/usr/bin/env node
// Memory soak of the gateway: starts the stack as gateway-ttfb.mjs does (compiled dist/, NODE_ENV=production, the
// kit's mock as the OpenAI upstream, a funded bench workspace), drives it with the kit's load generator at a fixed
// open-loop rate — JSON and SSE side by side — for --minutes, and samples the gateway's RSS (/proc, its worker
// processes included) and V8 heap used (its /metrics) every few seconds.
//
//   node bench/soak.mjs                          # 100 rps (half SSE) for 10 min after a 30 s warm-up
//   node bench/soak.mjs --minutes 2 --rate 200   # a shorter look at another rate
//
// Reports RSS and heap used at the start (after warm-up), peak and end; the slope of the heap's per-window minima
// (what is left after each GC, MB per minute) with a verdict; the rate achieved and the errors. The time series and
// the summary go to bench/results/soak-<time>.json (gitignored).
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alive, readJson, run, sleep, startBenchStack, startMock } from './lib/bench-stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    'sse-share': { type: 'string', default: '0.5' },
    'warmup-seconds': { type: 'string', default: '30' },
    'sample-seconds': { type: 'string', default: '5' },
    'window-seconds': { type: 'string', default: '60' },
    'growth-mb-per-min': { type: 'string', default: '0.2' },
    root: { type: 'string', default: REPO },
    model: { type: 'string', default: 'openai/gpt-4o-mini' },
    'credit-micros': { type: 'string', default: process.env.BENCH_CREDIT_MICROS ?? '1000000000' },
    source: { type: 'boolean', default: false },
    'keep-stack': { type: 'boolean', default: false },
    analyse: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log(`usage: node bench/soak.mjs [options]
  --minutes N              measured duration (default 10), after --warmup-seconds (default 30)
  --rate RPS               open-loop request rate in total (default 100)
  --sse-share F            share of it streamed (default 0.5; 0 = JSON only, 1 = SSE only)
  --sample-seconds S       sampling period of RSS and heap (default 5)
  --window-seconds S       heap minima are taken per window of this length (default 60) for the slope
  --growth-mb-per-min X    slope above which the verdict is "grows" (default 0.2 MB/min)
  --source, --root DIR, --model ID, --credit-micros N, --keep-stack: as in gateway-ttfb.mjs
  --analyse FILE           no run: the report again from a bench/results/soak-*.json (e.g. with another threshold)
env: BENCH_KIT (default ../shared/bench), PORT (gateway, default 8080), DEV_STACK_NODE_FLAGS (node flags of the services)`);
  process.exit(0);
}

const ROOT = path.resolve(opt.root);
const KIT = path.resolve(REPO, process.env.BENCH_KIT ?? '../shared/bench');
const GATEWAY_PORT = Number(process.env.PORT ?? 8080);
const RESULTS = path.join(HERE, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const minutes = Number(opt.minutes);
const rate = Number(opt.rate);
const sseShare = Math.min(1, Math.max(0, Number(opt['sse-share'])));
const warmupS = Number(opt['warmup-seconds']);
const sampleMs = Number(opt['sample-seconds']) * 1000;
mkdirSync(RESULTS, { recursive: true });
function fail(message) {
  console.error(`soak: ${message}`);
  process.exit(1);
}

// ------------------------------------------------------------------------------------------ process readings

/** The pid and its descendants (gateway workers under GATEWAY_WORKERS > 1). */
function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${all[i]}/task`)) {
        const children = readFileSync(`/proc/${all[i]}/task/${task}/children`, 'utf8').trim();
        if (children) all.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // gone
    }
  }
  return all;
}

function rssMb(pid) {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / 100; // USER_HZ
}

/** Heap used and old space used from the gateway's Prometheus metrics (summed over workers when there are several). */
async function heapMb(url) {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const sum = (re) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0) / 1048576;
    return {
      heap: sum(/^nodejs_heap_size_used_bytes\{[^}]*\} (\S+)$/gm),
      old: sum(/^nodejs_heap_space_size_used_bytes\{space="old"[^}]*\} (\S+)$/gm),
    };
  } catch {
    return { heap: null, old: null };
  }
}

/** Least-squares slope of y over x, with its standard error (null below 3 points). */
function fit(points) {
  const n = points.length;
  if (n < 3) return { slope: null, se: null };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return { slope: null, se: null };
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const residual = points.reduce((s, p) => s + (p.y - my - slope * (p.x - mx)) ** 2, 0);
  return { slope, se: Math.sqrt(residual / (n - 2) / sxx) };
}

/**
 * "grows" when the heap minima rise faster than the threshold and the rise is more than noise (slope above twice its
 * standard error: where in a GC cycle a sample falls moves a window's minimum by a few MB).
 */
const verdictOf = ({ slope, se }, threshold) => (slope === null ? 'unknown' : slope > threshold && slope > 2 * se ? 'grows' : 'no growth');

/**
 * Minimum of `key` per window of the measured phase, as {x: minutes since start, y}. A window with less than half its
 * samples (the run's last seconds) is left out: one or two samples are no minimum.
 */
function windowMinima(samples, key, windowS) {
  const windows = new Map();
  for (const s of samples) {
    if (s[key] === null) continue;
    const w = Math.floor(s.t / windowS);
    const cur = windows.get(w) ?? { x: s.t / 60, y: s[key], n: 0 };
    if (s[key] < cur.y) Object.assign(cur, { x: s.t / 60, y: s[key] });
    cur.n++;
    windows.set(w, cur);
  }
  const full = Math.max(...[...windows.values()].map((w) => w.n));
  return [...windows.values()].filter((w) => w.n * 2 >= full).map(({ x, y }) => ({ x, y }));
}

/** Start/peak/end, the per-window heap and RSS minima, their slopes and the verdict, over the measured samples. */
function analyse(samples, minutes, windowS, threshold) {
  const measured = samples.filter((s) => s.t >= 0 && s.t <= minutes * 60); // not the warm-up, not the drain after it
  const first = measured[0];
  const last = measured[measured.length - 1];
  const peak = (key) => Math.max(...measured.map((s) => s[key] ?? 0));
  const heapMinima = windowMinima(measured, 'heap', windowS);
  const heapFit = fit(heapMinima);
  const rssFit = fit(windowMinima(measured, 'rss', windowS));
  return {
    window_s: windowS,
    growth_threshold_mb_per_min: threshold,
    rss_mb: { start: first?.rss, peak: peak('rss'), end: last?.rss },
    heap_used_mb: { start: first?.heap, peak: peak('heap'), end: last?.heap, window_minima: heapMinima },
    heap_min_slope_mb_per_min: heapFit.slope,
    heap_min_slope_se: heapFit.se,
    rss_min_slope_mb_per_min: rssFit.slope,
    verdict: verdictOf(heapFit, threshold),
  };
}

function printReport(summary) {
  const f1 = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
  const f3 = (v) => (v === null || v === undefined ? '-' : v.toFixed(3));
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nsoak result (${summary.minutes} min at ${summary.rate} rps after ${summary.warmup_s} s warm-up; load average before ${la(summary.load_average.before)}, after ${la(summary.load_average.after)})`);
  console.log(`                start    peak     end   (MB)`);
  console.log(`  gateway RSS  ${f1(summary.rss_mb.start).padStart(6)}  ${f1(summary.rss_mb.peak).padStart(6)}  ${f1(summary.rss_mb.end).padStart(6)}`);
  console.log(`  heap used    ${f1(summary.heap_used_mb.start).padStart(6)}  ${f1(summary.heap_used_mb.peak).padStart(6)}  ${f1(summary.heap_used_mb.end).padStart(6)}`);
  console.log(`  heap used, minimum per ${summary.window_s} s: ${summary.heap_used_mb.window_minima.map((p) => p.y.toFixed(1)).join(' ')}`);
  console.log(
    `  slope of those minima: ${f3(summary.heap_min_slope_mb_per_min)} ± ${f3(summary.heap_min_slope_se)} MB/min (RSS minima: ${f3(summary.rss_min_slope_mb_per_min)} MB/min) → ${summary.verdict} (threshold ${summary.growth_threshold_mb_per_min} MB/min and > 2 standard errors)`,
  );
  for (const l of summary.loads) {
    const r = l.requests;
    console.log(`  ${l.name.padEnd(4)} target ${l.target_rps} rps, achieved ${l.rps ?? '-'} rps; ok ${r?.ok ?? '-'}, non-2xx ${r?.non2xx ?? '-'}, errors ${r?.errors ?? '-'}, incomplete ${r?.incomplete ?? '-'}, dropped ${r?.dropped ?? '-'}; p50 ${l.latency_ms?.p50 ?? '-'} ms, p99 ${l.latency_ms?.p99 ?? '-'} ms${l.error_samples?.length ? `; e.g. ${l.error_samples[0]}` : ''}`);
  }
  console.log(`  gateway CPU ${summary.gateway_cpu_us_per_req ?? '-'} µs per request`);
}

if (opt.analyse) {
  // Re-reads a finished run: the verdict again over its samples, with this run's --window-seconds and threshold.
  const { summary, samples } = readJson(path.resolve(opt.analyse)) ?? fail(`cannot read ${opt.analyse}`);
  const again = { ...summary, ...analyse(samples, summary.minutes, Number(opt['window-seconds']), Number(opt['growth-mb-per-min'])) };
  printReport(again);
  process.exit(0);
}

// ------------------------------------------------------------------------------------------ run

const { pids, url, apiKey, balance, down } = await startBenchStack({
  name: 'soak',
  root: ROOT,
  kit: KIT,
  gatewayPort: GATEWAY_PORT,
  source: opt.source,
  creditMicros: opt['credit-micros'],
  keepStack: opt['keep-stack'],
});
const gatewayPid = pids.gateway;
const mock = await startMock(KIT);

const loads = [
  { name: 'json', rate: Math.round(rate * (1 - sseShare)), stream: false },
  { name: 'sse', rate: Math.round(rate * sseShare), stream: true },
].filter((l) => l.rate > 0);
const loadAverageBefore = os.loadavg();
console.log(
  `soak: ${loads.map((l) => `${l.rate} rps ${l.name}`).join(' + ')} for ${warmupS} s warm-up + ${minutes} min, sampling every ${sampleMs / 1000} s (load average ${loadAverageBefore.map((l) => l.toFixed(2)).join(' ')})`,
);
const outOf = (l) => path.join(RESULTS, `soak-${stamp}.${l.name}.load.json`);
const t0 = Date.now();
const finished = Promise.all(
  loads.map((l) =>
    run(
      process.execPath,
      [
        path.join(KIT, 'load.mjs'), '--url', url, '--header', `authorization: Bearer ${apiKey}`, '--model', opt.model,
        '--rate', String(l.rate), ...(l.stream ? ['--stream'] : []),
        '--warmup', String(warmupS), '--duration', String(minutes * 60), '--out', outOf(l),
      ],
      { cwd: KIT, silent: true },
    ),
  ),
);
let done = false;
void finished.then(() => (done = true));

const samples = [];
let cpuAtStart;
let cpuAtEnd;
const endMs = t0 + (warmupS + minutes * 60) * 1000;
while (!done) {
  const t = (Date.now() - t0) / 1000 - warmupS; // seconds since the measured phase began (negative: warm-up)
  if (t >= 0 && cpuAtStart === undefined) cpuAtStart = cpuSeconds(gatewayPid);
  if (Date.now() <= endMs) cpuAtEnd = cpuSeconds(gatewayPid);
  const { heap, old } = await heapMb(url);
  const sample = { t: Math.round(t * 10) / 10, rss: Math.round(rssMb(gatewayPid) * 10) / 10, heap: heap === null ? null : Math.round(heap * 10) / 10, old: old === null ? null : Math.round(old * 10) / 10 };
  samples.push(sample);
  if (samples.length % Math.max(1, Math.round(60_000 / sampleMs)) === 1) console.log(`  t=${String(Math.round(t)).padStart(5)} s  rss ${sample.rss.toFixed(0).padStart(4)} MB  heap used ${String(sample.heap?.toFixed(0) ?? '-').padStart(4)} MB`);
  await Promise.race([finished, sleep(sampleMs - ((Date.now() - t0) % sampleMs))]);
}
const codes = await finished;
mock.kill('SIGTERM');
const loadAverageAfter = os.loadavg();

// ------------------------------------------------------------------------------------------ report

const results = loads.map((l) => ({ ...l, result: readJson(outOf(l)) }));
const completed = results.reduce((s, r) => s + (r.result?.requests.completed ?? 0) - (r.result?.requests.warmup ?? 0), 0);
const summary = {
  at: new Date(t0).toISOString(),
  root: ROOT,
  rate,
  sse_share: sseShare,
  minutes,
  warmup_s: warmupS,
  load_average: { before: loadAverageBefore, after: loadAverageAfter },
  ...analyse(samples, minutes, Number(opt['window-seconds']), Number(opt['growth-mb-per-min'])),
  gateway_cpu_us_per_req: completed > 0 && cpuAtStart !== undefined ? Math.round(((cpuAtEnd - cpuAtStart) * 1e6) / completed) : null,
  loads: results.map((r) => ({
    name: r.name,
    target_rps: r.rate,
    rps: r.result?.rps ?? null,
    requests: r.result?.requests ?? null,
    status_codes: r.result?.status_codes ?? null,
    error_samples: r.result?.error_samples ?? null,
    latency_ms: r.result ? { p50: r.result.latency_ms.p50, p99: r.result.latency_ms.p99 } : null,
    exit_code: codes[results.indexOf(r)],
  })),
};
printReport(summary);
const out = path.join(RESULTS, `soak-${stamp}.json`);
writeFileSync(out, JSON.stringify({ summary, samples }, null, 2));
console.log(`soak: time series and summary in ${path.relative(REPO, out)}`);

const died = Object.entries(pids).filter(([, pid]) => !alive(pid)).map(([name]) => name);
if (died.length) console.error(`soak: stack service(s) exited during the run: ${died.join(', ')} (see ${ROOT}/.switchyard/logs/)`);
else console.log(`soak: bench workspace balance after the run: $${await balance().catch(() => '?')}`);
await down();
process.exit(died.length || codes.some((c) => c !== 0) ? 1 : 0);
