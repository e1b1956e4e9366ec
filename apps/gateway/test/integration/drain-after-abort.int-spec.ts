import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';

describe('a provider that keeps billing after a disconnect is read to the end, and its full usage billed', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 100 });
  let stack: GatewayTestStack;
  let pg: Client;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl, PROVIDERS_BILLING_AFTER_ABORT: 'openai', DRAIN_AFTER_ABORT_MS: '10000' },
      workspace: { name: 'drain', creditMicros: 1_000_000n },
    });
    pg = new Client({ connectionString: stack.stack.database.url });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await pg?.end();
    await stack?.stop();
    await upstream.stop();
  });

  it('the client leaves after the first chunk; the stream is read to its usage chunk and that usage is charged', async () => {
    const tag = `t-${randomBytes(6).toString('hex')}`;
    const controller = new AbortController();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `[[fake:slow]] ${tag}` }], stream: true }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);

    const settled = await stack.settledCredits();
    expect(upstream.requestsContaining(tag)).toHaveLength(1);
    // The ledger capture lands a moment before billing commits its charge row.
    let rows: Array<{ outcome: string; prompt_tokens: number; completion_tokens: number; cost_micros: string }> = [];
    for (const deadline = Date.now() + 10_000; rows.length === 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      ({ rows } = await pg.query('SELECT outcome, prompt_tokens, completion_tokens, cost_micros::text FROM billing.charges WHERE request_id = $1', [requestId]));
    }
    // The streamed fixture reports 19 prompt + 12 completion tokens in its last chunk: billed in full. Had the
    // upstream been cancelled at the disconnect, only the ~1 token seen by then would be counted.
    expect(rows).toEqual([{ outcome: 'client_aborted', prompt_tokens: 19, completion_tokens: 12, cost_micros: '11' }]);
    expect(BigInt(settled.balance_micros)).toBe(1_000_000n - 11n);
  });
});
