import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)!;
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

describe('Prometheus metrics scraped from running services', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 150 });
  let stack: GatewayTestStack;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl }, workspace: { name: 'metrics', creditMicros: 1_000_000n } });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  const scrape = async (service: 'gateway' | 'ledger' | 'billing' | 'router') => parseMetrics(await (await fetch(`${stack.stack.url(service)}/metrics`)).text());
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  it('gateway: in-flight requests and holds while a stream runs, then request count, latency and TTFT per provider, and error codes', async () => {
    const idle = await scrape('gateway');
    expect(value(idle, 'gateway_inflight_requests')).toBe(0);

    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:slow]] metrics' }], stream: true }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const during = await scrape('gateway');
    expect(value(during, 'gateway_inflight_requests')).toBe(1);
    expect(value(during, 'gateway_holds_in_flight')).toBe(1);
    while (!(await reader.read()).done);

    const refused = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-not-a-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(refused.status).toBe(401);
    const failed = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:401]] upstream refuses' }] }),
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    await failed.text();

    // The completion is recorded when the response ended and the handler settled: poll briefly.
    let after: Sample[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      after = await scrape('gateway');
      if (value(after, 'gateway_requests_total') >= 2 && value(after, 'gateway_holds_in_flight') === 0) break;
    }
    const openai = { surface: 'openai', provider: 'openai' };
    expect(value(after, 'gateway_inflight_requests')).toBe(0);
    expect(value(after, 'gateway_holds_in_flight')).toBe(0);
    expect(value(after, 'gateway_requests_total', { ...openai, outcome: 'succeeded', error_code: '' })).toBe(1);
    expect(value(after, 'gateway_request_duration_seconds_count', { ...openai, streamed: 'true' })).toBe(1);
    // The stream took ≥ 13 × 150 ms: the +Inf bucket has it, the 1 s bucket does not.
    expect(value(after, 'gateway_request_duration_seconds_bucket', { ...openai, streamed: 'true', le: '1' })).toBe(0);
    expect(value(after, 'gateway_ttft_seconds_count', openai)).toBe(1);
    const errors = after.filter((s) => s.name === 'gateway_requests_total' && s.labels.outcome === 'failed');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((s) => s.labels.error_code !== '')).toBe(true);
    expect(value(after, 'gateway_http_requests_total', { route: '/v1/chat/completions', status_code: '401' })).toBe(1);
    expect(value(after, 'gateway_http_requests_total', { route: '/v1/chat/completions', status_code: '200' })).toBe(1);
  });

  it('ledger: postings by kind; billing: JetStream consumer lag of its durable consumer', async () => {
    await stack.settledCredits();
    const ledger = await scrape('ledger');
    expect(value(ledger, 'ledger_postings_total', { kind: 'hold_place' })).toBeGreaterThanOrEqual(2);
    expect(value(ledger, 'ledger_postings_total', { kind: 'hold_capture' }) + value(ledger, 'ledger_postings_total', { kind: 'hold_release' })).toBeGreaterThanOrEqual(2);
    expect(value(ledger, 'ledger_postings_total', { kind: 'transfer' })).toBeGreaterThanOrEqual(1); // the workspace's funding grant
    // every hold command is timed, whatever its outcome: at least as many as were committed, each in a bucket
    const created = value(ledger, 'ledger_hold_command_duration_seconds_count', { command: 'create' });
    expect(created).toBeGreaterThanOrEqual(value(ledger, 'ledger_postings_total', { kind: 'hold_place' }));
    expect(created).toBeGreaterThanOrEqual(2);
    expect(value(ledger, 'ledger_hold_command_duration_seconds_bucket', { command: 'create', le: '+Inf' })).toBe(created);
    expect(value(ledger, 'ledger_hold_command_duration_seconds_sum', { command: 'create' })).toBeGreaterThan(0);
    expect(value(ledger, 'ledger_hold_command_duration_seconds_count', { command: 'capture' }) + value(ledger, 'ledger_hold_command_duration_seconds_count', { command: 'release' })).toBeGreaterThanOrEqual(2);

    const billing = await scrape('billing');
    const lag = billing.filter((s) => s.name === 'jetstream_consumer_pending_messages');
    expect(lag.length).toBeGreaterThan(0);
    expect(lag.every((s) => s.labels.stream && s.labels.consumer)).toBe(true);
    // Everything was settled: nothing left to deliver.
    expect(lag.every((s) => s.value === 0)).toBe(true);
    expect(billing.some((s) => s.name === 'jetstream_consumer_ack_pending_messages')).toBe(true);
  });
});
