#!/usr/bin/env node
// Cold start: how long a just-started gateway takes to answer its first requests. Starts the stack as
// gateway-ttfb.mjs does (compiled dist/, NODE_ENV=production, the kit's mock as the OpenAI upstream, a new funded
// workspace and key), sends --requests streamed chat completions one after another, and reports each one's first
// byte and end; then stops the stack and does it again, --runs times.
//
//   node bench/cold-start.mjs                     # 3 runs x 8 requests against this checkout
//   node bench/cold-start.mjs --root /tmp/before  # the same against another checkout (e.g. a `git archive`)
//
// A first request pays whatever the process does once: compiling parsers, first connections, empty caches and
// pools. Timings are wall clock from the client; the machine's load moves them, so compare runs made back to back.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchStack, startMock } from './lib/bench-stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '8' },
    root: { type: 'string', default: REPO },
    model: { type: 'string', default: 'openai/gpt-4o-mini' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log('usage: node bench/cold-start.mjs [--runs N] [--requests N] [--root DIR] [--model ID]\nenv: BENCH_KIT (default ../shared/bench)');
  process.exit(0);
}
const KIT = path.resolve(process.env.BENCH_KIT ?? path.join(REPO, '..', 'shared', 'bench'));
const { buildBody } = await import(path.join(KIT, 'load.mjs'));
const { request } = await import(path.join(KIT, 'node_modules', 'undici', 'index.js'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const body = JSON.stringify(buildBody({ stream: true, model: opt.model }));
const firstBytes = [];
for (let run = 1; run <= Number(opt.runs); run++) {
  const stack = await startBenchStack({ name: 'cold-start', root: path.resolve(opt.root), kit: KIT, gatewayPort: 8080, creditMicros: '1000000000' });
  const mock = await startMock(KIT);
  const row = [];
  try {
    for (let i = 0; i < Number(opt.requests); i++) {
      const startedMs = performance.now();
      const response = await request(`${stack.dev.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body,
      });
      let firstMs;
      for await (const _chunk of response.body) firstMs ??= performance.now() - startedMs;
      if (response.statusCode !== 200) throw new Error(`request ${i + 1}: HTTP ${response.statusCode}`);
      row.push({ firstMs, endMs: performance.now() - startedMs });
    }
  } finally {
    mock.kill('SIGTERM');
    await stack.down();
  }
  firstBytes.push(row.map((r) => r.firstMs));
  console.log(`run ${run}: first byte / end (ms) of requests 1..${row.length}: ${row.map((r) => `${r.firstMs.toFixed(1)}/${r.endMs.toFixed(1)}`).join('  ')}`);
}
const columns = firstBytes[0].map((_, i) => median(firstBytes.map((row) => row[i])));
console.log(`median first byte over ${firstBytes.length} runs, requests 1..${columns.length}: ${columns.map((ms) => ms.toFixed(1)).join('  ')} ms`);
