/**
 * Local ranking benchmark: what routing adds to one request on the gateway's hot path (routeQuery + rankRoute, the
 * `auto` classifier included), over a routing table with many endpoints and full health. Also times the table
 * rebuild done once per router snapshot (off the request path).
 * Usage: SWC_NODE_PROJECT=tsconfig.json node -r @swc-node/register bench/router/route-rank-bench.ts [--models 300] [--providers 8] [--iterations 20000]
 */
import { parseArgs } from 'node:util';
import type { ChatRequest, EndpointHealth } from '@switchyard/contracts';
import { scriptedEndpoint, scriptedHealth, scriptedSnapshot } from '../../apps/gateway/src/completion/__fixtures__/scripted-routing-table';
import { routeQuery } from '../../apps/gateway/src/completion/route-query';
import { rankRoute } from '../../apps/gateway/src/completion/route-ranker';
import { RoutingTable } from '../../apps/gateway/src/completion/routing-table';

const { values: args } = parseArgs({ options: { models: { type: 'string', default: '300' }, providers: { type: 'string', default: '8' }, iterations: { type: 'string', default: '20000' } } });
const MODELS = Number(args.models);
const PROVIDERS = Number(args.providers);
const ITERATIONS = Number(args.iterations);

// A deterministic pseudo-random source, so runs compare.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

const catalog = [];
const health: EndpointHealth[] = [];
for (let m = 0; m < MODELS; m++) {
  for (let p = 0; p < PROVIDERS; p++) {
    const provider = `provider${p}`;
    const model = `author${m % 20}/model-${m}`;
    catalog.push(scriptedEndpoint(provider, model, 50_000 + Math.floor(random() * 3_000_000), 100_000 + Math.floor(random() * 15_000_000), { supports: random() < 0.7 ? ['tools', 'json_object', 'json_schema', 'vision'] : ['json_object'] }));
    const retryAtMs = random() < 0.05 ? Date.now() + 60_000 : null;
    health.push(
      scriptedHealth(provider, model, {
        successes: Math.floor(random() * 500),
        failures: Math.floor(random() * 20),
        ttftP50Ms: 100 + Math.floor(random() * 2_000),
        breaker: retryAtMs ? { state: 'open', consecutiveFailures: 5, retryAtMs } : undefined,
      }),
    );
  }
}
const tiers = { simple: [] as string[], medium: [] as string[], complex: [] as string[], reasoning: [] as string[] };
for (let m = 0; m < 40; m++) [tiers.simple, tiers.medium, tiers.complex, tiers.reasoning][m % 4].push(`author${m % 20}/model-${m}`);
const snapshot = scriptedSnapshot(health, { tiers, providers: {} }, Date.now());

const buildStarted = process.hrtime.bigint();
const BUILDS = 20;
let table = RoutingTable.build(catalog, snapshot);
for (let i = 1; i < BUILDS; i++) table = RoutingTable.build(catalog, snapshot);
const buildMs = Number(process.hrtime.bigint() - buildStarted) / 1e6 / BUILDS;

const m = Math.floor(MODELS / 2);
const modelId = (i: number) => `author${i % 20}/model-${i}`;
const user = (content: string): ChatRequest['messages'] => [{ role: 'user', content }];
const scenarios: Record<string, ChatRequest> = {
  'one model (all its providers), balanced': { model: modelId(m), messages: user('Summarise this paragraph about ranking.') },
  'models[3] + provider prefs, fastest': {
    model: modelId(m),
    models: [modelId(m), modelId(m + 1), modelId(m + 2)],
    provider: { order: ['provider3'], ignore: ['provider7'], max_price: { prompt: 2, completion: 10 } },
    messages: user('Summarise this paragraph about ranking.'),
  },
  'auto, greeting (simple tier + catalog tail)': { model: 'auto', messages: user('Hi there! How are you today?') },
  'auto, 4k-char coding task with tools': {
    model: 'auto',
    tools: [{ type: 'function', function: { name: 'run_tests', parameters: { type: 'object' } } }],
    messages: user(`Refactor this module, then add tests, finally document it.\n\`\`\`ts\n${'export const f = (x: number) => x * 2;\n'.repeat(100)}\`\`\``),
  },
};
const headers: Record<string, string | undefined> = { 'models[3] + provider prefs, fastest': 'fastest' };

console.log(`catalog: ${catalog.length} endpoints (${MODELS} models × ${PROVIDERS} providers), 5% breakers open; table rebuild per snapshot: ${buildMs.toFixed(2)} ms`);
console.log('| scenario | candidates | mean µs | p50 µs | p99 µs | max µs |');
console.log('|---|---|---|---|---|---|');
for (const [name, request] of Object.entries(scenarios)) {
  const rank = () => rankRoute(table, routeQuery(request, headers[name]), Date.now());
  for (let i = 0; i < 2_000; i++) rank(); // warm-up (JIT)
  const samples = new Float64Array(ITERATIONS);
  let candidates = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const started = process.hrtime.bigint();
    candidates = rank().endpoints.length;
    samples[i] = Number(process.hrtime.bigint() - started) / 1e3;
  }
  const sorted = samples.slice().sort();
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(`| ${name} | ${candidates} | ${mean.toFixed(1)} | ${at(0.5).toFixed(1)} | ${at(0.99).toFixed(1)} | ${sorted[sorted.length - 1].toFixed(1)} |`);
}
