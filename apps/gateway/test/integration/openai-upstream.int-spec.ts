import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { Client } from 'pg';
import { countPromptTokens, countTextTokens } from '../../src/metering/token-counter';
import { FakeOpenAiUpstream, type RecordedRequest } from '../fake-upstreams/openai.fake-upstream';
import { microsToUsd } from '@switchyard/money';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';
import { CHARGES_OF_KEY_SQL, leaveWhileHoldIsPlaced } from '../support/leave-during-hold';

const UPSTREAM_KEY = 'sk-test-upstream';
const MODEL = 'openai/gpt-4o-mini';
/** openai/gpt-4o-mini and demo/echo are both priced at 0.15 / 0.60 USD per Mtok. */
const costMicros = (prompt: number, completion: number) => Math.ceil((prompt * 150_000 + completion * 600_000) / 1_000_000);

interface ErrorEnvelope {
  error: { message: string; type: string; code: string; param: string | null; metadata?: Record<string, unknown> };
}

interface SseChunk {
  choices: Array<{ delta: Record<string, any>; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; cost_micros: string; cost: number };
  error?: { message: string; code: string; type: string; metadata?: Record<string, unknown> };
  model: string;
  provider: string;
}

/** The `data:` payloads of a raw SSE body (comments dropped), `[DONE]` kept as a string. */
function sseData(raw: string): Array<SseChunk | '[DONE]'> {
  return raw
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => (data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as SseChunk)));
}

describe('gateway → OpenAI adapter → fake OpenAI upstream (real Postgres, Redis, NATS, router, ledger, billing)', () => {
  const fake = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'], retryAfterSeconds: 7 });
  let stack: GatewayTestStack;
  let apiKey = '';
  let workspaceId = '';
  const INITIAL_MICROS = 5_000_000n;
  /** What the client was told it was charged, summed; the balance must move by exactly this. */
  let billedMicros = 0n;

  beforeAll(async () => {
    await fake.start();
    stack = await startGatewayTestStack({
      env: { STREAM_KEEPALIVE_MS: '1000', OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl },
      workspace: { name: 'openai-upstream', creditMicros: INITIAL_MICROS },
    });
    ({ workspaceId, apiKey } = stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await fake.stop();
  });

  const sdk = () => new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey, maxRetries: 0 });
  const tagged = (scenario?: string) => {
    const tag = `t-${randomBytes(6).toString('hex')}`;
    return { tag, content: scenario ? `[[fake:${scenario}]] ${tag}` : `hello ${tag}` };
  };
  const post = (body: object, key = apiKey) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const onlyUpstreamRequest = (tag: string): RecordedRequest => {
    const seen = fake.requestsContaining(tag);
    expect(seen).toHaveLength(1);
    return seen[0];
  };

  /** What the user checks on the wire we sent: upstream model, our provider key (never theirs), no gateway-only fields. */
  function expectSentUpstream(sent: RecordedRequest, maxTokens: number): void {
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body.model).toBe('gpt-4o-mini');
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain(apiKey);
    expect(sent.rawBody).not.toContain(apiKey);
    expect(sent.body.max_tokens).toBeGreaterThan(0);
    expect(sent.body.max_tokens).toBeLessThanOrEqual(maxTokens);
    expect(sent.body).not.toHaveProperty('models');
  }

  async function expectUpstreamError(response: Response, status: number, code: string, upstreamStatus: number): Promise<ErrorEnvelope> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain('sk-test');
    const body = JSON.parse(text) as ErrorEnvelope;
    expect(body.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
    expect(body.error.metadata).toEqual({ provider: 'openai', upstream_status: upstreamStatus });
    return body;
  }

  it('non-streaming completion through the SDK: content, usage, cost, served headers; upstream got the right wire', async () => {
    const { tag, content } = tagged();
    const { data, response } = await sdk().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 50 }).withResponse();
    expect(data.choices[0].message.content).toBe('Hello! How can I assist you today?');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.model).toBe(MODEL);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-model')).toBe(MODEL);
    const usage = data.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost: number; cost_micros: string };
    expect(usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 10 });
    expect(usage.cost_micros).toBe(String(costMicros(19, 10)));
    expect(usage.cost).toBe(microsToUsd(BigInt(costMicros(19, 10))));
    billedMicros += BigInt(usage.cost_micros);

    const sent = onlyUpstreamRequest(tag);
    expectSentUpstream(sent, 50);
    expect(sent.body.stream).toBe(false);
    expect(sent.body).not.toHaveProperty('stream_options');
  });

  it('streaming completion through the SDK: text, usage with cost last; upstream asked for include_usage even when the client did not', async () => {
    const { tag, content } = tagged();
    const stream = await sdk().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 40, stream: true, stream_options: { include_usage: false } });
    let text = '';
    let finish: string | null | undefined;
    let usage: { prompt_tokens: number; completion_tokens: number; cost_micros: string } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage as unknown as typeof usage;
      expect(chunk.model).toBe(MODEL);
    }
    expect(text).toBe('Hello! How can I assist you today? Ünïcödé ✓');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 12, cost_micros: String(costMicros(19, 12)) });
    billedMicros += BigInt(usage!.cost_micros);

    const sent = onlyUpstreamRequest(tag);
    expectSentUpstream(sent, 40);
    expect(sent.body.stream).toBe(true);
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  it('streamed tool-call deltas reach the client intact', async () => {
    const { tag, content } = tagged();
    const stream = await sdk().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: `weather and time in Paris ${content}` }],
      stream: true,
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
      ],
    });
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    let finish: string | null | undefined;
    let usage: { cost_micros: string } | undefined;
    for await (const chunk of stream) {
      for (const part of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const call = (calls[part.index] ??= { arguments: '' });
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name = part.function.name;
        call.arguments += part.function?.arguments ?? '';
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage as unknown as typeof usage;
    }
    expect(calls).toEqual([
      { id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
      { id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
    ]);
    expect(finish).toBe('tool_calls');
    expect(usage?.cost_micros).toBe(String(costMicros(83, 41)));
    billedMicros += BigInt(usage!.cost_micros);
    expect(onlyUpstreamRequest(tag).body.tools).toHaveLength(2);
  });

  it('upstream 429 on the first model with a fallback list falls over to demo (non-stream and stream)', async () => {
    const first = tagged('429');
    const { data, response } = await sdk()
      .chat.completions.create({ model: MODEL, models: [MODEL, 'demo/echo'], messages: [{ role: 'user', content: first.content }], max_tokens: 30 } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('demo');
    expect(data.model).toBe('demo/echo');
    expect(data.choices[0].message.content).toContain(first.tag);
    billedMicros += BigInt((data.usage as unknown as { cost_micros: string }).cost_micros);
    expect(onlyUpstreamRequest(first.tag).scenario).toBe('429');

    const second = tagged('429');
    const raw = await post({ model: MODEL, models: [MODEL, 'demo/echo'], messages: [{ role: 'user', content: second.content }], max_tokens: 30, stream: true });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('x-switchyard-provider')).toBe('demo');
    const chunks = sseData(await raw.text());
    expect(chunks.at(-1)).toBe('[DONE]');
    const last = chunks.at(-2) as SseChunk;
    expect(last.provider).toBe('demo');
    billedMicros += BigInt(last.usage!.cost_micros);
    expect(onlyUpstreamRequest(second.tag).scenario).toBe('429');
  });

  it('upstream 429 without a fallback → 429 with Retry-After, naming the provider', async () => {
    const { content } = tagged('429');
    const response = await post({ model: MODEL, messages: [{ role: 'user', content }] });
    expect(response.headers.get('retry-after')).toBe('7');
    await expectUpstreamError(response, 429, 'upstream_rate_limited', 429);
    const streamed = await post({ model: MODEL, messages: [{ role: 'user', content }], stream: true });
    expect(streamed.headers.get('retry-after')).toBe('7');
    await expectUpstreamError(streamed, 429, 'upstream_rate_limited', 429);
  });

  it('upstream 500 → 502', async () => {
    const { content } = tagged('500');
    await expectUpstreamError(await post({ model: MODEL, messages: [{ role: 'user', content }] }), 502, 'upstream_error', 500);
    await expectUpstreamError(await post({ model: MODEL, messages: [{ role: 'user', content }], stream: true }), 502, 'upstream_error', 500);
  });

  it('upstream 401 (our provider key) → 502 that does not blame the caller and never shows the provider key', async () => {
    const { content } = tagged('401');
    const body = await expectUpstreamError(await post({ model: MODEL, messages: [{ role: 'user', content }] }), 502, 'upstream_error', 401);
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).not.toMatch(/incorrect api key|invalid api key/i);
    expect(body.error.message).toMatch(/not a problem with your request/);
    // and through the SDK: a server error, not an AuthenticationError
    const error = await sdk()
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).not.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('context length → 400 context_length_exceeded with the provider message', async () => {
    const { content } = tagged('context_length');
    const body = await expectUpstreamError(await post({ model: MODEL, messages: [{ role: 'user', content }] }), 400, 'context_length_exceeded', 400);
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBe('messages');
    expect(body.error.message).toMatch(/maximum context length/);
    const error = await sdk()
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
  });

  it.each(['stream_error', 'stream_drop'])('mid-stream upstream failure (%s) → a final chunk with finish_reason "error" and an error object, then the stream ends', async (scenario) => {
    const { content } = tagged(scenario);
    const response = await post({ model: MODEL, messages: [{ role: 'user', content }], stream: true });
    expect(response.status).toBe(200);
    const chunks = sseData(await response.text());
    expect(chunks.at(-1)).toBe('[DONE]');
    const data = chunks.filter((c): c is SseChunk => c !== '[DONE]');
    expect(data.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello');
    const last = data.at(-1)!;
    expect(last.choices[0].finish_reason).toBe('error');
    expect(last.error).toMatchObject({ code: 'upstream_error', type: 'api_error', message: expect.any(String), metadata: { provider: 'openai', upstream_status: 200 } });
    expect(data.filter((c) => c.error)).toHaveLength(1);
    // billed for what was produced: the prompt plus "Hello"
    expect(last.usage).toMatchObject({ prompt_tokens: countPromptTokens([{ role: 'user', content }]), completion_tokens: countTextTokens('Hello') });
    billedMicros += BigInt(last.usage!.cost_micros);
  });

  it('a slow first token: the stream opens (200, headers, a comment) once the provider has taken the request, and each chunk follows as it comes', async () => {
    const { content, tag } = tagged('slow');
    const sentAt = performance.now();
    const response = await post({ model: MODEL, messages: [{ role: 'user', content }], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let firstByteMs: number | undefined;
    let firstContentMs: number | undefined;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      firstByteMs ??= performance.now() - sentAt;
      text += decoder.decode(read.value, { stream: true });
      if (firstContentMs === undefined && sseData(text).some((c) => c !== '[DONE]' && (c.choices[0]?.delta?.content ?? '') !== '')) firstContentMs = performance.now() - sentAt;
    }
    // The fake sends its role chunk at once and its first word 150 ms later: the client must not wait for that word to
    // learn that the stream is alive (with the first byte held back until the content, both came together).
    expect(text.startsWith(': switchyard processing')).toBe(true);
    expect(firstContentMs! - firstByteMs!).toBeGreaterThan(100);
    const chunks = sseData(text);
    expect(chunks.at(-1)).toBe('[DONE]');
    const last = chunks.at(-2) as SseChunk;
    expect(last.provider).toBe('openai');
    billedMicros += BigInt(last.usage!.cost_micros);
    expect(onlyUpstreamRequest(tag).scenario).toBe('slow');
  });

  it('a provider that fails after its stream began, before any content, still falls back: the client gets the next candidate\'s answer', async () => {
    const { content, tag } = tagged('stream_error_before_content');
    const response = await post({ model: MODEL, models: [MODEL, 'demo/echo'], messages: [{ role: 'user', content }], max_tokens: 30, stream: true });
    expect(response.status).toBe(200);
    const chunks = sseData(await response.text());
    expect(chunks.at(-1)).toBe('[DONE]');
    const data = chunks.filter((c): c is SseChunk => c !== '[DONE]');
    expect(data.filter((c) => c.error)).toHaveLength(0);
    expect(data.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toContain(tag);
    const last = data.at(-1)!;
    expect(last.provider).toBe('demo');
    expect(last.choices).toEqual([]);
    billedMicros += BigInt(last.usage!.cost_micros);
    expect(onlyUpstreamRequest(tag).scenario).toBe('stream_error_before_content');
  });

  it('the balance reflects exactly the billed usage (captured on success, released when nothing was produced)', async () => {
    const credits = await pollSettled(apiKey);
    expect(credits.pending_micros).toBe('0');
    expect(BigInt(credits.balance_micros)).toBe(INITIAL_MICROS - billedMicros);
    const charges = await eventually(
      () => query<{ outcome: string; settlement: string; cost_micros: string; completion_tokens: number }>('SELECT outcome, settlement, cost_micros::text, completion_tokens FROM billing.charges WHERE workspace_id = $1', [workspaceId]),
      (rows) => rows.reduce((sum, c) => sum + BigInt(c.cost_micros), 0n) === billedMicros && rows.filter((c) => c.settlement === 'released').length >= 8,
    );
    expect(charges.reduce((sum, c) => sum + BigInt(c.cost_micros), 0n)).toBe(billedMicros);
    const released = charges.filter((c) => c.settlement === 'released');
    expect(released.length).toBeGreaterThanOrEqual(8); // 429 ×2, 500 ×2, 401 ×2, context length ×2
    for (const c of released) expect(c).toMatchObject({ outcome: 'failed', cost_micros: '0', completion_tokens: 0 });
  }, 30_000);

  it('a client that aborts mid-stream is billed for prompt + produced tokens only (client_aborted), and the upstream is cancelled', async () => {
    const { id, key } = await stack.createWorkspace('aborter', 1_000_000n);
    const { tag, content } = tagged('slow');
    const controller = new AbortController();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], stream: true }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let raw = '';
    let seen = '';
    while (seen.length < 'Hello! How'.length) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended before the abort');
      raw += decoder.decode(value, { stream: true });
      seen = sseData(raw.slice(0, raw.lastIndexOf('\n\n') + 2))
        .filter((c): c is SseChunk => c !== '[DONE]')
        .map((c) => c.choices[0]?.delta?.content ?? '')
        .join('');
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);

    await waitFor(() => onlyUpstreamRequest(tag).aborted, 'the upstream request to be cancelled');
    const credits = await pollSettled(key);
    const [charge] = await eventually(() => query<{ outcome: string; prompt_tokens: number; completion_tokens: number; cost_micros: string; settlement: string }>(
      'SELECT outcome, prompt_tokens, completion_tokens, cost_micros::text, settlement FROM billing.charges WHERE request_id = $1',
      [requestId],
    ), (rows) => rows.length > 0);
    expect(charge).toMatchObject({ outcome: 'client_aborted', settlement: 'captured', prompt_tokens: countPromptTokens([{ role: 'user', content }]) });
    const full = 'Hello! How can I assist you today? Ünïcödé ✓';
    expect(charge.completion_tokens).toBeGreaterThanOrEqual(countTextTokens(seen));
    expect(charge.completion_tokens).toBeLessThan(countTextTokens(full));
    expect(charge.cost_micros).toBe(String(costMicros(charge.prompt_tokens, charge.completion_tokens)));
    expect(BigInt(credits.balance_micros)).toBe(1_000_000n - BigInt(charge.cost_micros));
    expect(id).toBeTruthy();
  }, 30_000);

  it('a non-streaming client that gives up before the answer is billed for the prompt only (client_aborted)', async () => {
    const { key } = await stack.createWorkspace('impatient', 1_000_000n);
    const { tag, content } = tagged('slow');
    const controller = new AbortController();
    const pending = fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }] }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await waitFor(() => fake.requestsContaining(tag).length === 1, 'the upstream request');
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await waitFor(() => onlyUpstreamRequest(tag).aborted, 'the upstream request to be cancelled');
    const credits = await pollSettled(key);
    const charges = await eventually(
      () =>
        query<{ outcome: string; prompt_tokens: number; completion_tokens: number; cost_micros: string }>(
          'SELECT c.outcome, c.prompt_tokens, c.completion_tokens, c.cost_micros::text FROM billing.charges c JOIN gateway.api_keys k ON k.workspace_id = c.workspace_id WHERE k.key_hash = encode(sha256($1::bytea), $2)',
          [key, 'hex'],
        ),
      (rows) => rows.length > 0,
    );
    const prompt = countPromptTokens([{ role: 'user', content }]);
    expect(charges).toEqual([{ outcome: 'client_aborted', prompt_tokens: prompt, completion_tokens: 0, cost_micros: String(costMicros(prompt, 0)) }]);
    expect(BigInt(credits.balance_micros)).toBe(1_000_000n - BigInt(costMicros(prompt, 0)));
  }, 30_000);

  it.each([false, true])('a client that leaves while its hold is being placed (stream: %s) is not sent upstream and not billed', async (stream) => {
    const { key } = await stack.createWorkspace(`gone-early-${stream}`, 1_000_000n);
    const { tag, content } = tagged();
    const outcome = await leaveWhileHoldIsPlaced(stack, '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], stream }),
    });
    expect(outcome).toMatchObject({ name: 'AbortError' });
    const charges = await eventually(() => query(CHARGES_OF_KEY_SQL, [key, 'hex']), (rows) => rows.length > 0);
    expect(charges).toEqual([{ outcome: 'client_aborted', settlement: 'released', prompt_tokens: 0, completion_tokens: 0, cost_micros: '0' }]);
    // The release is recorded: the credits now show it, nothing held and nothing taken.
    expect(await pollSettled(key)).toMatchObject({ balance_micros: '1000000', pending_micros: '0' });
    expect(fake.requestsContaining(tag)).toHaveLength(0);
  }, 30_000);

  const pollSettled = (key: string) => stack.settledCredits(key, { timeoutMs: 15_000, intervalMs: 100 });

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

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
