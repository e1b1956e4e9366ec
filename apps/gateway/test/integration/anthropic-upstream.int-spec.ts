import OpenAI from 'openai';
import { type AnthropicFakeUpstream, startAnthropicFakeUpstream } from '../fake-upstreams/anthropic.fake-upstream';
import { microsToUsd } from '@switchyard/money';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const MODEL = 'anthropic/claude-sonnet-4-5';
const API_KEY = 'sk-ant-test';
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } },
};

/** Sonnet 4.5 list prices in micro-USD per Mtok: input, cache read, cache write, output. */
function sonnetCostMicros(u: { uncached: number; cacheRead: number; cacheWrite: number; output: number }): string {
  const scaled = u.uncached * 3_000_000 + u.cacheRead * 300_000 + u.cacheWrite * 3_750_000 + u.output * 15_000_000;
  return String(Math.ceil(scaled / 1_000_000));
}

type UsageWithCost = OpenAI.CompletionUsage & { cost: number; cost_micros: string; prompt_tokens_details: { cached_tokens: number; cache_write_tokens?: number } };

describe('OpenAI-shaped requests to a Claude model (real stack, fake Anthropic upstream)', () => {
  let upstream: AnthropicFakeUpstream;
  let stack: GatewayTestStack;
  let gatewayUrl = '';
  let apiKey = '';
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startAnthropicFakeUpstream();
    stack = await startGatewayTestStack({
      env: { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: upstream.url, STREAM_KEEPALIVE_MS: '1000' },
      workspace: { name: 'claude-user', creditMicros: '20000000' },
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
    expect(call.url).toBe('/v1/messages');
    expect(call.headers['x-api-key']).toBe(API_KEY);
    expect(call.headers['anthropic-version']).toBe('2023-06-01');
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body.model).toBe('claude-sonnet-4-5');
    expect(call.body.stream).toBe(stream);
    expect(Number.isInteger(call.body.max_tokens)).toBe(true);
    expect(call.body.max_tokens).toBeGreaterThan(0);
    expect(call.body.max_tokens).toBeLessThanOrEqual(requestedMaxTokens);
    return call.body;
  }

  it('lists the Claude models with their prices', async () => {
    const body = (await (await fetch(`${gatewayUrl}/v1/models`)).json()) as { data: Array<Record<string, any>> };
    const sonnet = body.data.find((m) => m.id === MODEL);
    expect(sonnet).toMatchObject({ context_length: 200000, max_output: 64000, owned_by: 'anthropic' });
    expect(sonnet?.pricing).toMatchObject({ prompt_micros_per_mtok: '3000000', completion_micros_per_mtok: '15000000' });
    expect(body.data.map((m) => m.id)).toEqual(expect.arrayContaining(['anthropic/claude-opus-4', 'anthropic/claude-haiku-3-5']));
  });

  it('non-streaming: content, usage with cache reads, cost; the balance drops by exactly the cost', async () => {
    const before = await settledCredits();
    const { data, response } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], max_tokens: 300, temperature: 0.5, stop: ['\n\n', 'END'] })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(response.headers.get('x-switchyard-model')).toBe(MODEL);
    expect(data.model).toBe(MODEL);
    expect(data.choices[0].message.content).toBe('Hello! The capital of France is Paris.');
    expect(data.choices[0].finish_reason).toBe('stop');
    const usage = data.usage as UsageWithCost;
    expect(usage).toMatchObject({ prompt_tokens: 412 + 1024, completion_tokens: 61, total_tokens: 412 + 1024 + 61 });
    expect(usage.prompt_tokens_details.cached_tokens).toBe(1024);
    const expected = sonnetCostMicros({ uncached: 412, cacheRead: 1024, cacheWrite: 0, output: 61 });
    expect(usage.cost_micros).toBe(expected);
    expect(usage.cost).toBe(microsToUsd(BigInt(expected)));

    const sent = expectUpstreamCall(0, 300, false);
    expect(sent.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(sent.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }]);
    expect(sent).toMatchObject({ temperature: 0.5, stop_sequences: ['END'] }); // whitespace-only stops are refused by Anthropic

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
    expect(text).toBe('Hello! Bonjour — “Paris” is the capital of France 🇫🇷.');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 472 + 2048, completion_tokens: 17 });
    const expected = sonnetCostMicros({ uncached: 472, cacheRead: 2048, cacheWrite: 0, output: 17 });
    expect(usage?.cost_micros).toBe(expected);
    expectUpstreamCall(0, 300, true);

    const after = await settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(expected));
  });

  it('tool call round trip: tool_calls out, tool_use/tool_result back upstream', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in San Francisco?' }];
    const first = await openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL], tool_choice: 'auto', max_tokens: 500 });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe("I'll check the current weather in San Francisco for you.");
    expect(choice.message.tool_calls).toEqual([{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }]);
    expect((first.usage as UsageWithCost).cost_micros).toBe(sonnetCostMicros({ uncached: 384, cacheRead: 0, cacheWrite: 256, output: 79 }));
    const firstSent = expectUpstreamCall(0, 500, false);
    expect(firstSent.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a place', input_schema: WEATHER_TOOL.function.parameters }]);
    expect(firstSent.tool_choice).toEqual({ type: 'auto' });

    messages.push(choice.message, { role: 'tool', tool_call_id: choice.message.tool_calls![0].id, content: '{"temperature": 18, "unit": "celsius"}' });
    const second = await openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL], max_tokens: 500 });
    expect(second.choices[0].message.content).toBe('Hello! The capital of France is Paris.');
    const secondSent = expectUpstreamCall(1, 500, false);
    expect(secondSent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the weather in San Francisco?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check the current weather in San Francisco for you." },
          { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '{"temperature": 18, "unit": "celsius"}' }] },
    ]);
  });

  it('streams a tool call: id, name and the joined arguments', async () => {
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in SF?' }], tools: [WEATHER_TOOL], max_tokens: 500, stream: true });
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    let finish: string | null = null;
    let usage: UsageWithCost | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { arguments: '' });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        call.arguments += delta.function?.arguments ?? '';
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage as UsageWithCost;
    }
    expect(calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' }]);
    expect(finish).toBe('tool_calls');
    expect(usage?.cost_micros).toBe(sonnetCostMicros({ uncached: 598, cacheRead: 0, cacheWrite: 0, output: 89 }));
    expectUpstreamCall(0, 500, true);
  });

  it('an image given as a data URI reaches the upstream as a base64 image block', async () => {
    const completion = await openai.chat.completions.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What colour is this pixel?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] }],
    });
    expect(completion.choices[0].message.content).toBeTruthy();
    const sent = expectUpstreamCall(0, 200, false);
    expect(sent.messages[0].content).toEqual([
      { type: 'text', text: 'What colour is this pixel?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
    ]);
  });

  it('an upstream 429 becomes a 429 in the OpenAI envelope with Retry-After', async () => {
    // Queued twice in case the gateway retries the same endpoint before giving up.
    for (let i = 0; i < 2; i++) {
      upstream.enqueue({ status: 429, headers: { 'content-type': 'application/json', 'retry-after': '7' }, body: Buffer.from('{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}') });
    }
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
    });
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(429);
    expect(body.error.code).toBe('upstream_rate_limited');
    expect(response.headers.get('retry-after')).toBeTruthy();
    await settledCredits(); // the hold is released, nothing left pending
  });
});
