import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import routingConfig from '../../../router/src/routing-config/default-routing-config.json';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const KEYS = { openai: 'sk-openai-upstream-7f3a', deepseek: 'sk-deepseek-upstream-91bc', groq: 'gsk_groq-upstream-44d0' } as const;
const DEEPSEEK_FIXTURES = join(__dirname, '..', '..', 'src', 'providers', 'deepseek', '__fixtures__');

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  completion_tokens_details?: { reasoning_tokens: number };
  cost: string;
  cost_micros: string;
}

/** ceil(Σ tokens × price / 1e6), the one rounding, for (input, output) prices in micro-USD per Mtok. */
const costMicros = (prompt: number, completion: number, inputPrice: number, outputPrice: number) => Math.ceil((prompt * inputPrice + completion * outputPrice) / 1_000_000);

describe('OpenAI-compatible providers through the running gateway (official openai SDK, fake upstreams, real ledger/router/billing)', () => {
  // One fake per provider, each with its provider's quirks switched on.
  const openai = new FakeOpenAiUpstream({ apiKey: KEYS.openai, rejectedParams: { 'o3-mini': ['max_tokens', 'temperature', 'top_p'] }, chatFixtures: { 'o3-mini': { response: 'o3-mini.response.json' } } });
  const deepseek = new FakeOpenAiUpstream({
    apiKey: KEYS.deepseek,
    chatFixtures: { '*': { dir: DEEPSEEK_FIXTURES, response: 'reasoner.response.json', stream: 'reasoner.stream.sse' } },
    rejectedParams: { 'deepseek-reasoner': ['logprobs', 'top_logprobs'] },
  });
  const groq = new FakeOpenAiUpstream({ apiKey: KEYS.groq, streamUsage: 'x_groq', rejectedParams: { '*': ['logprobs', 'logit_bias', 'top_logprobs'] }, rejectedMessageFields: ['name'] });
  const local = new FakeOpenAiUpstream({});
  const secretsDir = mkdtempSync(join(tmpdir(), 'switchyard-secrets-'));
  let stack: GatewayTestStack;
  const bodiesSeen: string[] = [];

  beforeAll(async () => {
    await Promise.all([openai.start(), deepseek.start(), groq.start(), local.start()]);
    // DeepSeek's key comes only from the secrets file, as a mounted secret would.
    const secretsFile = join(secretsDir, 'providers.json');
    writeFileSync(secretsFile, JSON.stringify({ DEEPSEEK_API_KEY: KEYS.deepseek }));
    chmodSync(secretsFile, 0o600);
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: KEYS.openai,
        OPENAI_BASE_URL: openai.baseUrl,
        PROVIDER_SECRETS_FILE: secretsFile,
        DEEPSEEK_BASE_URL: deepseek.baseUrl,
        GROQ_API_KEY: KEYS.groq,
        GROQ_BASE_URL: groq.baseUrl,
        LOCAL_OPENAI_BASE_URL: local.baseUrl,
      },
      workspace: { name: 'openai-compatible', creditMicros: 20_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openai.stop(), deepseek.stop(), groq.stop(), local.stop()]);
    rmSync(secretsDir, { recursive: true, force: true });
  });

  const sdk = () =>
    new OpenAI({
      baseURL: `${stack.gatewayUrl}/v1`,
      apiKey: stack.apiKey,
      maxRetries: 0,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        bodiesSeen.push(await response.clone().text());
        return response;
      },
    });

  it('GET /v1/models lists auto and the models of every enabled provider', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/models`);
    const text = await response.text();
    bodiesSeen.push(text);
    const models = (JSON.parse(text) as { data: Array<{ id: string; providers?: string[]; owned_by: string; pricing: Record<string, string> }> }).data;
    const byId = new Map(models.map((m) => [m.id, m]));
    expect(models[0]).toMatchObject({ id: 'auto', owned_by: 'switchyard', pricing: { prompt: '-1', completion: '-1' } });
    expect(byId.get('deepseek/deepseek-r1')?.providers).toEqual(['deepseek']);
    expect(byId.get('meta-llama/llama-3.3-70b-instruct')?.providers).toEqual(['groq']);
    expect(byId.get('meta-llama/llama-3.1-8b-instruct')?.providers?.sort()).toEqual(['groq', 'local']);
    expect(byId.get('openai/o3-mini')?.pricing).toMatchObject({ prompt_micros_per_mtok: '1100000', completion_micros_per_mtok: '4400000' });
    expect(byId.has('xai/grok-3')).toBe(false); // no XAI_API_KEY: disabled
  });

  it('DeepSeek (key from the secrets file): reasoning_content streams to the client as reasoning, usage and cost last', async () => {
    const stream = await sdk().chat.completions.create({ model: 'deepseek/deepseek-r1', messages: [{ role: 'user', content: 'Capital of France? ds-stream' }], max_tokens: 500, stream: true, logprobs: true });
    let reasoning = '';
    let content = '';
    let usage: Usage | undefined;
    let provider: string | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning?: string | null } | undefined;
      reasoning += delta?.reasoning ?? '';
      content += delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage as unknown as Usage;
      provider = (chunk as unknown as { provider?: string }).provider ?? provider;
    }
    expect(reasoning).toBe('Okay, the user asks for the capital of France. That is Paris.');
    expect(content).toBe('The capital of France is **Paris**.');
    expect(provider).toBe('deepseek');
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 41, completion_tokens_details: { reasoning_tokens: 29 } });
    expect(usage?.cost_micros).toBe(String(costMicros(13, 41, 550_000, 2_190_000)));

    const sent = deepseek.requestsContaining('ds-stream');
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.authorization).toBe(`Bearer ${KEYS.deepseek}`);
    expect(sent[0].body).toMatchObject({ model: 'deepseek-reasoner', stream: true, stream_options: { include_usage: true } });
    expect(sent[0].body.max_tokens).toBeLessThanOrEqual(500);
    expect(sent[0].body).not.toHaveProperty('logprobs'); // deepseek-reasoner answers 400 to it
  });

  it('Groq: no stream_options (it refuses them), usage read from x_groq, message names stripped', async () => {
    const stream = await sdk().chat.completions.create({
      model: 'meta-llama/llama-3.3-70b-instruct',
      messages: [{ role: 'user', content: 'hello groq-stream', name: 'ada' }],
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: Usage | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage as unknown as Usage;
    }
    expect(content).toBe('Hello! How can I assist you today? Ünïcödé ✓');
    expect(usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 12, cost_micros: String(costMicros(19, 12, 590_000, 790_000)) });
    const [sent] = groq.requestsContaining('groq-stream');
    expect(sent.scenario).toBe('ok');
    expect(sent.body).toMatchObject({ model: 'llama-3.3-70b-versatile', stream: true });
    expect(sent.body).not.toHaveProperty('stream_options');
    expect(sent.body.messages).toEqual([{ role: 'user', content: 'hello groq-stream' }]);
  });

  it('a local server (no key): the cheapest endpoint of llama-3.1-8b, reached without an Authorization header', async () => {
    const { data, response } = await sdk().chat.completions.create({ model: 'meta-llama/llama-3.1-8b-instruct', messages: [{ role: 'user', content: 'hi local-plain' }], max_tokens: 50 }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('local');
    expect(data.choices[0].message.content).toBe('Hello! How can I assist you today?');
    expect((data.usage as unknown as Usage).cost_micros).toBe(String(costMicros(19, 10, 10_000, 10_000)));
    const [sent] = local.requestsContaining('local-plain');
    expect(sent.body.model).toBe('llama3.1:8b');
    expect(sent.headers).not.toHaveProperty('authorization');
  });

  it('o3-mini: max_completion_tokens reaches the upstream (max_tokens and temperature would be refused), reasoning tokens reported', async () => {
    const { data } = await sdk().chat.completions.create({ model: 'openai/o3-mini', messages: [{ role: 'user', content: 'Capital of France? o3-plain' }], max_tokens: 800, temperature: 0.4 }).withResponse();
    expect(data.choices[0].message.content).toBe('The capital of France is Paris.');
    const usage = data.usage as unknown as Usage;
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 211, completion_tokens_details: { reasoning_tokens: 192 } });
    expect(usage.cost_micros).toBe(String(costMicros(13, 211, 1_100_000, 4_400_000)));
    const [sent] = openai.requestsContaining('o3-plain');
    expect(sent.body.model).toBe('o3-mini');
    expect(sent.body.max_completion_tokens).toBeGreaterThan(0);
    expect(sent.body.max_completion_tokens).toBeLessThanOrEqual(800);
    expect(sent.body).not.toHaveProperty('max_tokens');
    expect(sent.body).not.toHaveProperty('temperature');
  });

  it('auto: a model of the tier the prompt classifies into, with what the request needs (tools → a medium-tier tool model; an image → gpt-4o-mini)', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
    const withTools = await sdk().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'time? auto-tools' }], tools, max_tokens: 4000 }).withResponse();
    // Tool use makes the prompt "medium" (apps/router/src/routing-config/default-routing-config.json).
    expect(routingConfig.tiers.medium).toContain(withTools.data.model);
    const served = [openai, deepseek, groq, local].flatMap((fake) => fake.requestsContaining('auto-tools'));
    expect(served).toHaveLength(1);
    expect(served[0].body.tools).toHaveLength(1);
    // The generation record names the tier and the strategy the request was routed by.
    const id = withTools.response.headers.get('x-switchyard-request-id')!;
    const deadline = Date.now() + 20_000;
    let generation: Response;
    do {
      generation = await fetch(`${stack.gatewayUrl}/api/v1/generation?id=${id}`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
      if (generation.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    expect(((await generation.json()) as { data: Record<string, unknown> }).data).toMatchObject({ requested_model: 'auto', auto_tier: 'medium', strategy: 'balanced' });

    const withImage = await sdk()
      .chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this? auto-vision' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
        max_tokens: 40,
      })
      .withResponse();
    expect(withImage.response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(withImage.data.model).toBe('openai/gpt-4o-mini');
    expect(openai.requestsContaining('auto-vision')[0].body.model).toBe('gpt-4o-mini');
  });

  it('provider keys never appear in any response, error or log line', async () => {
    // An upstream that rejects our key: the 502 must not quote it.
    const failed = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
      body: JSON.stringify({ model: 'deepseek/deepseek-v3', messages: [{ role: 'user', content: '[[fake:401]] key-check' }] }),
    });
    expect(failed.status).toBe(502);
    bodiesSeen.push(await failed.text());
    for (const path of ['/v1/models', '/api/v1/credits', '/healthz', '/readyz']) {
      bodiesSeen.push(await (await fetch(`${stack.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).text());
    }
    const everything = [...bodiesSeen, stack.stack.services.get('gateway')?.output() ?? ''].join('\n');
    expect(bodiesSeen.length).toBeGreaterThan(8);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });
});
