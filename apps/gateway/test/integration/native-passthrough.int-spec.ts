import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { startGeminiFakeUpstream, type GeminiFakeUpstream } from '../fake-upstreams/gemini.fake-upstream';
import { FakeOpenAiUpstream, OPENAI_FIXTURES_DIR } from '../fake-upstreams/openai.fake-upstream';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';
import { CHARGES_OF_KEY_SQL, leaveWhileHoldIsPlaced } from '../support/leave-during-hold';

const OPENAI_KEY = 'sk-test-openai-upstream';
const GEMINI_KEY = 'gemini-test-upstream-key';
/** gpt-4o-mini at $0.15 / $0.60 per Mtok: the fixture's 19 prompt + 10 completion tokens → ceil(8.85) µUSD. */
const CHAT_COST = 9n;
/** The streamed fixture with include_usage: 19 + 12 tokens → ceil(10.05). */
const CHAT_STREAM_COST = 11n;
/** gemini-2.5-flash: 512 uncached × 0.30 + 1024 cached × 0.075 + (8 + 42 thoughts) × 2.50 per Mtok → ceil(355.4). */
const GEMINI_COST = 356n;

describe('native pass-through /{provider}/… (fake OpenAI and Gemini upstreams, real ledger and billing)', () => {
  const openai = new FakeOpenAiUpstream({ apiKey: OPENAI_KEY, models: ['gpt-4o-mini'] });
  let gemini: GeminiFakeUpstream;
  let stack: GatewayTestStack;
  const INITIAL = 1_000_000n;

  beforeAll(async () => {
    await openai.start();
    gemini = await startGeminiFakeUpstream();
    stack = await startGatewayTestStack({
      env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.baseUrl, GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: gemini.url },
      workspace: { name: 'passthrough', creditMicros: INITIAL },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await openai.stop();
    await gemini?.close();
  });

  const call = (method: string, path: string, body?: object, key = stack.apiKey) =>
    fetch(`${stack.gatewayUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  it('forwards a native OpenAI request byte for byte with our provider key, and bills its usage', async () => {
    const before = await stack.settledCredits();
    const response = await call('POST', '/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'native-1' }], max_tokens: 20 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('openai-processing-ms')).toBe('321');
    expect(await response.text()).toBe(readFileSync(join(OPENAI_FIXTURES_DIR, 'chat.response.json'), 'utf8'));
    const [sent] = openai.requestsContaining('native-1');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(sent.body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'native-1' }], max_tokens: 20 });
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(CHAT_COST);
  });

  it('streams a native response as it comes, asks upstream for usage, and bills it', async () => {
    const before = await stack.settledCredits();
    const response = await call('POST', '/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'native-2' }], stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(openai.requestsContaining('native-2')[0].body.stream_options).toEqual({ include_usage: true });
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(CHAT_STREAM_COST);
  });

  it('reads a Gemini model from the path and bills usageMetadata (thoughts and cache included)', async () => {
    const before = await stack.settledCredits();
    const response = await call('POST', '/google/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'native-3' }] }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usageMetadata: { totalTokenCount: number } }).usageMetadata.totalTokenCount).toBe(1586);
    const sent = gemini.requests.at(-1)!;
    expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(JSON.stringify(sent.headers)).not.toContain(stack.apiKey);
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(GEMINI_COST);
  });

  it('relays upstream errors as they are and charges nothing for them', async () => {
    const before = await stack.settledCredits();
    const response = await call('POST', '/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:500]] native-4' }] });
    expect(response.status).toBe(500);
    const after = await stack.settledCredits();
    expect(after.balance_micros).toBe(before.balance_micros);
  });

  it('forwards reads unmetered (the upstream answer, whatever it is, reaches the client)', async () => {
    const response = await call('GET', '/openai/v1/models');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('GET /v1/models');
    expect(openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('refuses what it cannot meter or route, in the envelope', async () => {
    const unpriced = await call('POST', '/openai/v1/chat/completions', { model: 'gpt-unknown', messages: [] });
    expect(unpriced.status).toBe(404);
    expect(((await unpriced.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    const noModel = await call('POST', '/openai/v1/files', { purpose: 'batch' });
    expect(noModel.status).toBe(400);
    const disabled = await call('POST', '/anthropic/v1/messages/batches', { requests: [] });
    expect(disabled.status).toBe(404);
    expect(((await disabled.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const unauthenticated = await call('POST', '/openai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] }, 'sk-sy-wrong');
    expect(unauthenticated.status).toBe(401);
    // fetch would normalise the dot segments away; a raw client sends them as written.
    const climbing = await new Promise<number>((resolve, reject) => {
      const url = new URL(stack.gatewayUrl);
      request({ host: url.hostname, port: url.port, path: '/openai/v1/%2e%2e/%2e%2e/admin', headers: { authorization: `Bearer ${stack.apiKey}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(climbing).toBe(400);
  });

  it('a client that leaves while its hold is being placed is not sent upstream and not billed', async () => {
    const { key } = await stack.createWorkspace('passthrough-gone-early', 1_000_000n);
    const outcome = await leaveWhileHoldIsPlaced(stack, '/openai/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'native-gone-early' }], max_tokens: 20 }),
    });
    expect(outcome).toMatchObject({ name: 'AbortError' });
    const pg = new Client({ connectionString: stack.stack.database.url });
    await pg.connect();
    try {
      const charges = await eventually(async () => (await pg.query(CHARGES_OF_KEY_SQL, [key, 'hex'])).rows, (rows) => rows.length > 0);
      expect(charges).toEqual([{ outcome: 'client_aborted', settlement: 'released', prompt_tokens: 0, completion_tokens: 0, cost_micros: '0' }]);
    } finally {
      await pg.end();
    }
    // The release is recorded: the credits now show it, nothing held and nothing taken.
    expect(await stack.settledCredits(key)).toMatchObject({ balance_micros: '1000000', pending_micros: '0' });
    expect(openai.requestsContaining('native-gone-early')).toHaveLength(0);
  }, 30_000);
});
