#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `gateway-ttfb.mjs --profile`): self time by package/area and by
// function, and inclusive time of the functions named on the command line.
//   node bench/lib/cpuprofile-top.mjs results/profile/gateway-123.cpuprofile [--top 30] [--requests N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, requests: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: cpuprofile-top.mjs FILE.cpuprofile [--top N] [--requests N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// time per sample: timeDeltas[i] belongs to samples[i]
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = profile.endTime - profile.startTime;

function area(frame) {
  const url = frame.url ?? '';
  const fn = frame.functionName;
  if (fn === '(idle)') return '(idle)';
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(program)') return '(program: native/V8)';
  if (!url) return `(native) ${fn || ''}`.trim();
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const app = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (app) return `${app[1]}/${app[2]}`;
  return url;
}

const byArea = new Map();
const byFn = new Map();
let busyUs = 0;
for (const [id, us] of selfUs) {
  const frame = nodes.get(id).callFrame;
  const a = area(frame);
  byArea.set(a, (byArea.get(a) ?? 0) + us);
  if (a !== '(idle)') busyUs += us;
  const key = `${frame.functionName || '(anonymous)'}  ${(frame.url ?? '').replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}

const requests = opts.requests ? Number(opts.requests) : undefined;
const fmt = (us) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%${requests ? `  ${(us / requests).toFixed(0).padStart(6)} us/req` : ''}`;
console.log(`profile ${(totalUs / 1e6).toFixed(1)} s, busy ${(busyUs / 1000).toFixed(0)} ms (${((100 * busyUs) / totalUs).toFixed(0)}% of one core)${requests ? `, ${requests} requests → ${(busyUs / requests).toFixed(0)} us CPU/req` : ''}`);
console.log('\nself time by package / area (excluding idle):');
for (const [a, us] of [...byArea].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, Number(opts.top))) console.log(`${fmt(us)}  ${a}`);
console.log('\nself time by function:');
for (const [f, us] of [...byFn].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, Number(opts.top))) console.log(`${fmt(us)}  ${f}`);
