import OpenAI from 'openai';
import { type GeminiFakeUpstream, geminiFixture, startGeminiFakeUpstream } from '../fake-upstreams/gemini.fake-upstream';
import { microsToUsd } from '@switchyard/money';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const MODEL = 'google/gemini-2.5-flash';
const UPSTREAM_MODEL = 'gemini-2.5-flash';
const API_KEY = 'test-gemini-key';
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } },
};

/** Gemini 2.5 Flash list prices in micro-USD per Mtok: input 0.30, cache read 0.075, output (incl. thoughts) 2.50. */
function flashCostMicros(u: { uncached: number; cacheRead: number; output: number }): string {
  const scaled = u.uncached * 300_000 + u.cacheRead * 75_000 + u.output * 2_500_000;
  return String(Math.ceil(scaled / 1_000_000));
}

type UsageWithCost = OpenAI.CompletionUsage & { cost: number; cost_micros: string; prompt_tokens_details: { cached_tokens: number } };

describe('OpenAI-shaped requests to a Gemini model (real stack, fake Gemini upstream)', () => {
  let upstream: GeminiFakeUpstream;
  let stack: GatewayTestStack;
  let gatewayUrl = '';
  let apiKey = '';
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startGeminiFakeUpstream();
    stack = await startGatewayTestStack({
      env: { GEMINI_API_KEY: API_KEY, GEMINI_BASE_URL: upstream.url, STREAM_KEEPALIVE_MS: '1000' },
      workspace: { name: 'gemini-user', creditMicros: '20000000' },
    });
    ({ gatewayUrl, apiKey } = stack);
    openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey, maxRetries: 0 });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  /** Polls until every hold is settled (billing captured the exact cost). */
  const settledCredits = () => stack.settledCredits();

  function expectUpstreamCall(index: number, requestedMaxTokens: number, stream: boolean): Record<string, any> {
    const call = upstream.requests[index];
    expect(call).toBeDefined();
    expect(call.method).toBe('POST');
    expect(call.url).toBe(stream ? `/v1beta/models/${UPSTREAM_MODEL}:streamGenerateContent?alt=sse` : `/v1beta/models/${UPSTREAM_MODEL}:generateContent`);
    expect(call.model).toBe(UPSTREAM_MODEL);
    expect(call.headers['x-goog-api-key']).toBe(API_KEY);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body.model).toBeUndefined();
    const limit = call.body.generationConfig?.maxOutputTokens;
    expect(Number.isInteger(limit)).toBe(true);
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(requestedMaxTokens);
    return call.body;
  }

  it('lists the Gemini models with their prices', async () => {
    const body = (await (await fetch(`${gatewayUrl}/v1/models`)).json()) as { data: Array<Record<string, any>> };
    const flash = body.data.find((m) => m.id === MODEL);
    expect(flash).toMatchObject({ context_length: 1048576, max_output: 65536, owned_by: 'google' });
    expect(flash?.pricing).toMatchObject({ prompt_micros_per_mtok: '300000', completion_micros_per_mtok: '2500000' });
    expect(body.data.map((m) => m.id)).toContain('google/gemini-2.5-pro');
  });

  it('non-streaming: content, usage with cached tokens and thoughts, cost; the balance drops by exactly the cost', async () => {
    const before = await settledCredits();
    const { data, response } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], max_tokens: 300, temperature: 0.5, stop: ['END'] })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('google');
    expect(response.headers.get('x-switchyard-model')).toBe(MODEL);
    expect(data.model).toBe(MODEL);
    expect(data.choices[0].message.content).toBe('The capital of France is Paris.');
    expect(data.choices[0].finish_reason).toBe('stop');
    const usage = data.usage as UsageWithCost;
    expect(usage).toMatchObject({ prompt_tokens: 1536, completion_tokens: 8 + 42, total_tokens: 1536 + 50 });
    expect(usage.prompt_tokens_details.cached_tokens).toBe(1024);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(42);
    const expected = flashCostMicros({ uncached: 512, cacheRead: 1024, output: 50 });
    expect(usage.cost_micros).toBe(expected);
    expect(usage.cost).toBe(microsToUsd(BigInt(expected)));

    const sent = expectUpstreamCall(0, 300, false);
    expect(sent.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(sent.contents).toEqual([{ role: 'user', parts: [{ text: 'Capital of France?' }] }]);
    expect(sent.generationConfig).toMatchObject({ temperature: 0.5, stopSequences: ['END'] });

    const after = await settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(expected));
  });

  it('streaming: content, stop, usage with cost last; the balance drops by exactly the cost', async () => {
    const before = await settledCredits();
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Capital of France, with a flag?' }], max_tokens: 300, stream: true });
    let text = '';
    let finish: string | null = null;
    let usage: UsageWithCost | undefined;
    for await (const chunk of stream) {
      expect(chunk.model).toBe(MODEL);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage as UsageWithCost;
    }
    expect(text).toBe('Paris is the capital of France — “la Ville Lumière” 🇫🇷.');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 16 + 27 });
    const expected = flashCostMicros({ uncached: 9, cacheRead: 0, output: 43 });
    expect(usage?.cost_micros).toBe(expected);
    expectUpstreamCall(0, 300, true);

    const after = await settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(expected));
  });

  it('function call round trip: tool_calls out, functionCall/functionResponse back upstream', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in San Francisco?' }];
    const first = await openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL], tool_choice: 'auto', max_tokens: 500 });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_/);
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' });
    expect((first.usage as UsageWithCost).cost_micros).toBe(flashCostMicros({ uncached: 71, cacheRead: 0, output: 22 + 57 }));
    const firstSent = expectUpstreamCall(0, 500, false);
    expect(firstSent.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a place', parameters: WEATHER_TOOL.function.parameters }] }]);
    expect(firstSent.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature": 18, "unit": "celsius"}' });
    const second = await openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL], max_tokens: 500 });
    expect(second.choices[0].message.content).toBe('The capital of France is Paris.');
    const secondSent = expectUpstreamCall(1, 500, false);
    expect(secondSent.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is the weather in San Francisco?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'San Francisco, CA', unit: 'celsius' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18, unit: 'celsius' } } }] },
    ]);
  });

  it('streams a function call: id, name and arguments, finish tool_calls', async () => {
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in SF?' }], tools: [WEATHER_TOOL], max_tokens: 500, stream: true });
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    let text = '';
    let finish: string | null = null;
    let usage: UsageWithCost | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const entry = (calls[delta.index] ??= { arguments: '' });
        if (delta.id) entry.id = delta.id;
        if (delta.function?.name) entry.name = delta.function.name;
        entry.arguments += delta.function?.arguments ?? '';
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage as UsageWithCost;
    }
    expect(text).toBe('Let me check the weather there.');
    expect(calls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"fahrenheit"}' }]);
    expect(finish).toBe('tool_calls');
    expect(usage?.cost_micros).toBe(flashCostMicros({ uncached: 71, cacheRead: 0, output: 29 + 55 }));
    expectUpstreamCall(0, 500, true);
  });

  it('an image given as a data URI reaches the upstream as inlineData', async () => {
    const completion = await openai.chat.completions.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What colour is this pixel?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] }],
    });
    expect(completion.choices[0].message.content).toBeTruthy();
    const sent = expectUpstreamCall(0, 200, false);
    expect(sent.contents[0].parts).toEqual([{ text: 'What colour is this pixel?' }, { inlineData: { mimeType: 'image/png', data: PNG_B64 } }]);
  });

  it('an upstream 429 RESOURCE_EXHAUSTED becomes a 429 in the OpenAI envelope; the hold is released', async () => {
    // Queued twice in case the gateway retries the same endpoint before giving up.
    for (let i = 0; i < 2; i++) upstream.enqueue({ status: 429, headers: { 'content-type': 'application/json' }, body: geminiFixture('error.429.json') });
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
    });
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(429);
    expect(body.error.code).toBe('upstream_rate_limited');
    await settledCredits();
  });
});
