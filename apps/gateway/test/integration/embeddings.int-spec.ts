import OpenAI from 'openai';
import { Client } from 'pg';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';
import { CHARGES_OF_KEY_SQL, leaveWhileHoldIsPlaced } from '../support/leave-during-hold';

const UPSTREAM_KEY = 'sk-embeddings-upstream-5e21';
const SMALL_MICROS_PER_MTOK = 20_000; // openai/text-embedding-3-small
const LARGE_MICROS_PER_MTOK = 130_000; // openai/text-embedding-3-large
const costMicros = (tokens: number, price: number) => BigInt(Math.ceil((tokens * price) / 1_000_000));

interface EmbeddingsUsage {
  prompt_tokens: number;
  total_tokens: number;
  cost: string;
  cost_micros: string;
}

describe('POST /v1/embeddings through the running gateway (official openai SDK, fake OpenAI upstream, real ledger/billing)', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY });
  let stack: GatewayTestStack;
  const INITIAL_MICROS = 1_000_000n;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl }, workspace: { name: 'embeddings', creditMicros: INITIAL_MICROS } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  const sdk = (baseURL = `${stack.gatewayUrl}/v1`) => new OpenAI({ baseURL, apiKey: stack.apiKey, maxRetries: 0 });

  it('embeds a batch, bills exactly the prompt tokens × price, and the ledger balance moves by that cost', async () => {
    const before = await stack.settledCredits();
    const { data: result, response } = await sdk()
      .embeddings.create({ model: 'openai/text-embedding-3-small', input: ['The food was delicious and the waiter…', 'Ünïcödé café ✓'], encoding_format: 'float', dimensions: 256 })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-model')).toBe('openai/text-embedding-3-small');
    expect(result.object).toBe('list');
    expect(result.model).toBe('openai/text-embedding-3-small');
    expect(result.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 256],
      ['embedding', 1, 256],
    ]);
    const usage = result.usage as unknown as EmbeddingsUsage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens);
    const expected = costMicros(usage.prompt_tokens, SMALL_MICROS_PER_MTOK);
    expect(usage.cost_micros).toBe(expected.toString());
    expect(usage.cost).toBe(`0.${expected.toString().padStart(6, '0')}`);

    const [sent] = upstream.requests.filter((r) => r.path === '/v1/embeddings');
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.body).toEqual({ model: 'text-embedding-3-small', input: ['The food was delicious and the waiter…', 'Ünïcödé café ✓'], encoding_format: 'float', dimensions: 256 });

    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(expected);
  });

  it('a single string in base64 (the SDK default) under /api/v1 decodes to float32 vectors; billed at the large price', async () => {
    const before = await stack.settledCredits();
    const result = await sdk(`${stack.gatewayUrl}/api/v1`).embeddings.create({ model: 'openai/text-embedding-3-large', input: 'hello base64' });
    expect(result.data).toHaveLength(1);
    expect(result.data[0].embedding).toHaveLength(1536); // the SDK decoded the base64 float32 array
    expect(Math.hypot(...result.data[0].embedding)).toBeCloseTo(1, 3);
    const usage = result.usage as unknown as EmbeddingsUsage;
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'text-embedding-3-large', encoding_format: 'base64' });
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(costMicros(usage.prompt_tokens, LARGE_MICROS_PER_MTOK));
  });

  it('token-id input: the charge is recorded once, captured, with prompt tokens only', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
      body: JSON.stringify({ model: 'openai/text-embedding-3-small', input: [[9906, 1917], [15339]] }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const body = (await response.json()) as { usage: EmbeddingsUsage };
    expect(body.usage.prompt_tokens).toBe(3);
    await stack.settledCredits();
    const charges = await eventually(
      () => query<{ prompt_tokens: number; completion_tokens: number; cost_micros: string; settlement: string }>('SELECT prompt_tokens, completion_tokens, cost_micros::text, settlement FROM billing.charges WHERE request_id = $1', [requestId]),
      (rows) => rows.length > 0,
    );
    expect(charges).toEqual([{ prompt_tokens: 3, completion_tokens: 0, cost_micros: costMicros(3, SMALL_MICROS_PER_MTOK).toString(), settlement: 'captured' }]);
  });

  it('an unknown or chat-only model is 404 model_not_found and moves no money', async () => {
    const before = await stack.settledCredits();
    for (const model of ['openai/text-embedding-9', 'openai/gpt-4o-mini']) {
      const error = await sdk()
        .embeddings.create({ model, input: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    }
    expect(await stack.settledCredits()).toEqual(before);
  });

  it('authenticates like chat and validates the body before any money moves', async () => {
    const post = (body: unknown, headers: Record<string, string>) => fetch(`${stack.gatewayUrl}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post({ model: 'openai/text-embedding-3-small', input: 'x' }, {})).status).toBe(401);
    expect((await post({ model: 'openai/text-embedding-3-small', input: 'x' }, { 'x-api-key': stack.apiKey })).status).toBe(200);
    const invalid = await post({ model: 'openai/text-embedding-3-small', input: 'x', encoding_format: 'int8' }, { authorization: `Bearer ${stack.apiKey}` });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('a client that leaves while its hold is being placed is not sent upstream and not billed', async () => {
    const { key } = await stack.createWorkspace('embeddings-gone-early', 1_000_000n);
    const sentBefore = upstream.requests.filter((r) => r.path === '/v1/embeddings').length;
    const outcome = await leaveWhileHoldIsPlaced(stack, '/v1/embeddings', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'openai/text-embedding-3-small', input: 'gone before it was sent' }),
    });
    expect(outcome).toMatchObject({ name: 'AbortError' });
    const charges = await eventually(() => query(CHARGES_OF_KEY_SQL, [key, 'hex']), (rows) => rows.length > 0);
    expect(charges).toEqual([{ outcome: 'client_aborted', settlement: 'released', prompt_tokens: 0, completion_tokens: 0, cost_micros: '0' }]);
    // The release is recorded: the credits now show it, nothing held and nothing taken.
    expect(await stack.settledCredits(key)).toMatchObject({ balance_micros: '1000000', pending_micros: '0' });
    expect(upstream.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(sentBefore);
  }, 30_000);

  async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: stack.stack.database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
});
