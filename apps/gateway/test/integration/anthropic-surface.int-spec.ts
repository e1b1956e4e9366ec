import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { microsToUsd } from '@switchyard/money';
import { countPromptTokens, countTextTokens } from '../../src/metering/token-counter';
import { anthropicFixture, type AnthropicFakeUpstream, startAnthropicFakeUpstream } from '../fake-upstreams/anthropic.fake-upstream';
import { type GeminiFakeUpstream, startGeminiFakeUpstream } from '../fake-upstreams/gemini.fake-upstream';
import { FakeOpenAiUpstream, type RecordedRequest as OpenAiRecordedRequest } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const ANTHROPIC_KEY = 'sk-ant-upstream';
const OPENAI_KEY = 'sk-openai-upstream';
const GEMINI_KEY = 'gemini-upstream-key';
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a place',
  input_schema: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
};

/** Our additions to Anthropic's usage object. */
type UsageWithCost = Anthropic.Usage & { cost: string; cost_micros: string };
type MessageWithCost = Anthropic.Message & { usage: UsageWithCost };

/** Sonnet 4.5 list prices in micro-USD per Mtok: input 3, cache read 0.3, cache write 3.75, output 15. */
function sonnetCostMicros(u: { uncached: number; cacheRead?: number; cacheWrite?: number; output: number }): string {
  const scaled = u.uncached * 3_000_000 + (u.cacheRead ?? 0) * 300_000 + (u.cacheWrite ?? 0) * 3_750_000 + u.output * 15_000_000;
  return String(Math.ceil(scaled / 1_000_000));
}

/** The cost fields agree with each other: `cost` is `cost_micros` as a decimal USD string. */
function expectCost(usage: Partial<UsageWithCost> | undefined, costMicros?: string): bigint {
  expect(usage?.cost_micros).toMatch(/^\d+$/);
  if (costMicros !== undefined) expect(usage?.cost_micros).toBe(costMicros);
  expect(usage?.cost).toBe(microsToUsd(BigInt(usage!.cost_micros!)));
  return BigInt(usage!.cost_micros!);
}

describe('Anthropic Messages surface (official SDK → gateway → Anthropic / OpenAI / Gemini fake upstreams; real stack)', () => {
  let anthropicUpstream: AnthropicFakeUpstream;
  let geminiUpstream: GeminiFakeUpstream;
  const openAiUpstream = new FakeOpenAiUpstream({ apiKey: OPENAI_KEY, models: ['gpt-4o-mini', 'gpt-4o'] });
  let stack: GatewayTestStack;
  let client: Anthropic;
  let initialBalanceMicros = 0n;
  /** What the client was told it was charged, summed over the file; the balance must move by exactly this. */
  let billedMicros = 0n;

  beforeAll(async () => {
    anthropicUpstream = await startAnthropicFakeUpstream();
    geminiUpstream = await startGeminiFakeUpstream();
    await openAiUpstream.start();
    stack = await startGatewayTestStack({
      env: {
        STREAM_KEEPALIVE_MS: '1000',
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: anthropicUpstream.url,
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openAiUpstream.baseUrl,
        GEMINI_API_KEY: GEMINI_KEY,
        GEMINI_BASE_URL: geminiUpstream.url,
      },
      workspace: { name: 'anthropic-surface', creditMicros: '20000000' },
    });
    client = new Anthropic({ baseURL: stack.gatewayUrl, apiKey: stack.apiKey, maxRetries: 0 });
    initialBalanceMicros = BigInt((await stack.settledCredits()).balance_micros);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await anthropicUpstream?.close();
    await geminiUpstream?.close();
    await openAiUpstream.stop();
  });

  beforeEach(() => {
    anthropicUpstream.requests.length = 0;
    geminiUpstream.requests.length = 0;
    openAiUpstream.reset();
  });

  /** The one request the Anthropic fake received, with our provider key and the upstream model name. */
  function sentToAnthropic(stream: boolean): Record<string, any> {
    expect(anthropicUpstream.requests).toHaveLength(1);
    const call = anthropicUpstream.requests[0];
    expect(call.url).toBe('/v1/messages');
    expect(call.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(call.body.model).toBe('claude-sonnet-4-5');
    expect(call.body.stream).toBe(stream);
    return call.body;
  }

  function sentToOpenAi(tag: string): OpenAiRecordedRequest {
    const seen = openAiUpstream.requestsContaining(tag);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(seen[0].body.model).toBe('gpt-4o-mini');
    return seen[0];
  }

  describe('to an Anthropic model (Anthropic fake upstream)', () => {
    it('non-streaming: a bare model id, system, sampling fields; Message with usage and cost; the balance drops by exactly the cost', async () => {
      const before = await stack.settledCredits();
      // This SDK version no longer types the sampling fields; older clients still send them.
      const sampling = { temperature: 0.5, top_k: 20 } as object;
      const { data: message, response } = await client.messages
        .create({
          model: 'claude-sonnet-4-5',
          max_tokens: 300,
          system: [{ type: 'text', text: 'Be brief.' }],
          messages: [{ role: 'user', content: 'Capital of France?' }],
          stop_sequences: ['END'],
          metadata: { user_id: 'end-user-1' },
          ...sampling,
        })
        .withResponse();
      expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
      expect(message.id).toMatch(/^msg_/);
      expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'anthropic/claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null });
      expect(message.content).toEqual([{ type: 'text', text: 'Hello! The capital of France is Paris.' }]);
      const usage = (message as MessageWithCost).usage;
      expect(usage).toMatchObject({ input_tokens: 412, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0, output_tokens: 61 });
      const cost = expectCost(usage, sonnetCostMicros({ uncached: 412, cacheRead: 1024, output: 61 }));
      billedMicros += cost;

      const sent = sentToAnthropic(false);
      expect(sent.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
      expect(sent.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }]);
      expect(sent).toMatchObject({ temperature: 0.5, stop_sequences: ['END'], metadata: { user_id: 'end-user-1' } });
      expect(sent.max_tokens).toBeLessThanOrEqual(300);

      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(cost);
    });

    it('streaming under /anthropic: messages.stream().finalMessage() reassembles the answer; message_delta carries the exact usage and cost', async () => {
      const before = await stack.settledCredits();
      const prefixed = new Anthropic({ baseURL: `${stack.gatewayUrl}/anthropic`, apiKey: stack.apiKey, maxRetries: 0 });
      const stream = prefixed.messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 300, messages: [{ role: 'user', content: 'Capital of France, with a flag?' }] });
      const eventTypes: string[] = [];
      let deltaUsage: Partial<UsageWithCost> | undefined;
      let text = '';
      stream.on('streamEvent', (event) => {
        eventTypes.push(event.type);
        if (event.type === 'message_delta') deltaUsage = event.usage as Partial<UsageWithCost>;
      });
      stream.on('text', (delta) => (text += delta));
      const message = await stream.finalMessage();
      expect(eventTypes).toEqual(['message_start', 'content_block_start', ...Array(3).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
      expect(text).toBe('Hello! Bonjour — “Paris” is the capital of France 🇫🇷.');
      expect(message.content).toEqual([{ type: 'text', text }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: 472, cache_read_input_tokens: 2048, output_tokens: 17 });
      const cost = expectCost(deltaUsage, sonnetCostMicros({ uncached: 472, cacheRead: 2048, output: 17 }));
      billedMicros += cost;
      sentToAnthropic(true);

      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(cost);
    });

    it('the raw stream is the real event sequence: named events, a ping after the first block opens, no [DONE]', async () => {
      const response = await fetch(`${stack.gatewayUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const raw = await response.text();
      expect(raw).not.toContain('[DONE]');
      const events = raw
        .split('\n\n')
        .filter((block) => block.startsWith('event: '))
        .map((block) => {
          const [eventLine, dataLine] = block.split('\n');
          const data = JSON.parse(dataLine.slice('data: '.length)) as { type: string; index?: number; usage?: Partial<UsageWithCost> };
          expect(data.type).toBe(eventLine.slice('event: '.length));
          return data;
        });
      expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      expect(events.filter((e) => e.index !== undefined).every((e) => e.index === 0)).toBe(true);
      billedMicros += expectCost(events[7].usage, sonnetCostMicros({ uncached: 472, cacheRead: 2048, output: 17 }));
    });

    it('tools: tool_use out with parsed input, then tool_use/tool_result back upstream', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in San Francisco?' }];
      const first = (await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 500, tools: [WEATHER_TOOL], tool_choice: { type: 'auto' }, messages })) as MessageWithCost;
      expect(first.stop_reason).toBe('tool_use');
      expect(first.content).toEqual([
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      ]);
      billedMicros += expectCost(first.usage, sonnetCostMicros({ uncached: 384, cacheWrite: 256, output: 79 }));
      const firstSent = sentToAnthropic(false);
      expect(firstSent.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a place', input_schema: WEATHER_TOOL.input_schema }]);
      expect(firstSent.tool_choice).toEqual({ type: 'auto' });

      anthropicUpstream.requests.length = 0;
      messages.push(
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '{"temperature": 18}' }] },
      );
      const second = (await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 500, tools: [WEATHER_TOOL], messages })) as MessageWithCost;
      expect(second.content).toEqual([{ type: 'text', text: 'Hello! The capital of France is Paris.' }]);
      billedMicros += expectCost(second.usage);
      expect(sentToAnthropic(false).messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'What is the weather in San Francisco?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: "I'll check the current weather in San Francisco for you." },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '{"temperature": 18}' }] },
      ]);
    });

    it('streams a tool call: input_json_delta pieces reassemble into the tool input', async () => {
      const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 500, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in SF?' }] });
      let deltaUsage: Partial<UsageWithCost> | undefined;
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltaUsage = event.usage as Partial<UsageWithCost>;
      });
      const message = await stream.finalMessage();
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
      expect(message.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } });
      billedMicros += expectCost(deltaUsage, sonnetCostMicros({ uncached: 598, output: 89 }));
    });

    it('an image (base64) reaches the upstream as an image block', async () => {
      const message = (await client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What colour is this pixel?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }] }],
      })) as MessageWithCost;
      billedMicros += expectCost(message.usage);
      expect(sentToAnthropic(false).messages[0].content).toEqual([
        { type: 'text', text: 'What colour is this pixel?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
      ]);
    });

    it('thinking: the budget reaches the upstream; thinking then text blocks stream back', async () => {
      anthropicUpstream.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: anthropicFixture('messages.thinking.stream.sse') });
      const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'GCD of 1071 and 462?' }] });
      let deltaUsage: Partial<UsageWithCost> | undefined;
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltaUsage = event.usage as Partial<UsageWithCost>;
      });
      const message = await stream.finalMessage();
      expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
      expect(message.content[0]).toMatchObject({ thinking: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0' });
      expect(message.content[1]).toMatchObject({ text: 'The greatest common divisor of 1071 and 462 is **21**.' });
      billedMicros += expectCost(deltaUsage, sonnetCostMicros({ uncached: 36, output: 112 }));
      expect(sentToAnthropic(true).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    });
  });

  describe('to a GPT model (OpenAI fake upstream)', () => {
    it('non-streaming: system, tools, tool_choice and an image are translated; the balance drops by exactly the cost', async () => {
      const tag = `t-${randomBytes(6).toString('hex')}`;
      const before = await stack.settledCredits();
      const message = (await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 200,
        system: 'Be brief.',
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        messages: [{ role: 'user', content: [{ type: 'text', text: `Describe ${tag}` }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }] }],
      })) as MessageWithCost;
      expect(message).toMatchObject({ model: 'openai/gpt-4o-mini', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello! How can I assist you today?' }] });
      expect(message.usage).toMatchObject({ input_tokens: 19, output_tokens: 10, cache_read_input_tokens: 0 });
      // gpt-4o-mini: 0.15 / 0.60 USD per Mtok
      const cost = expectCost(message.usage, String(Math.ceil((19 * 150_000 + 10 * 600_000) / 1_000_000)));
      billedMicros += cost;

      const sent = sentToOpenAi(tag).body;
      expect(sent.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: `Describe ${tag}` }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
      ]);
      expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a place', parameters: WEATHER_TOOL.input_schema } }]);
      expect(sent).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false });
      expect(sent.max_tokens).toBeLessThanOrEqual(200);

      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(cost);
    });

    it('streaming tool calls come back as tool_use blocks; a tool_result (is_error) goes back as a tool message', async () => {
      const tag = `t-${randomBytes(6).toString('hex')}`;
      const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 300, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: `Weather and time in Paris ${tag}` }] });
      let deltaUsage: Partial<UsageWithCost> | undefined;
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltaUsage = event.usage as Partial<UsageWithCost>;
      });
      const message = await stream.finalMessage();
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toEqual([
        { type: 'tool_use', id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', name: 'get_weather', input: { location: 'Paris, France' } },
        { type: 'tool_use', id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', name: 'get_time', input: { tz: 'Europe/Paris' } },
      ]);
      expect(message.usage).toMatchObject({ input_tokens: 83, output_tokens: 41 });
      billedMicros += expectCost(deltaUsage, String(Math.ceil((83 * 150_000 + 41 * 600_000) / 1_000_000)));
      expect(sentToOpenAi(tag).body.stream).toBe(true);

      const followUp = `t-${randomBytes(6).toString('hex')}`;
      const answer = (await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 300,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: `Weather and time in Paris ${followUp}` },
          { role: 'assistant', content: message.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', content: [{ type: 'text', text: '18°C' }] },
              { type: 'tool_result', tool_use_id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', content: 'clock offline', is_error: true },
            ],
          },
        ],
      })) as MessageWithCost;
      billedMicros += expectCost(answer.usage);
      expect(sentToOpenAi(followUp).body.messages).toEqual([
        { role: 'user', content: `Weather and time in Paris ${followUp}` },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
            { id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', content: 'Error: clock offline' },
      ]);
    });
  });

  describe('to a Gemini model (Gemini fake upstream)', () => {
    it('non-streaming with tools and an image: functionCall comes back as tool_use; the balance drops by exactly the cost', async () => {
      const before = await stack.settledCredits();
      const message = (await client.messages.create({
        model: 'google/gemini-2.5-flash',
        max_tokens: 500,
        system: 'Be brief.',
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather where this photo was taken?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }] }],
      })) as MessageWithCost;
      expect(message.model).toBe('google/gemini-2.5-flash');
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toEqual([{ type: 'tool_use', id: expect.any(String), name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } }]);
      const cost = expectCost(message.usage);
      billedMicros += cost;

      expect(geminiUpstream.requests).toHaveLength(1);
      const sent = geminiUpstream.requests[0];
      expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(sent.headers['x-goog-api-key']).toBe(GEMINI_KEY);
      expect(sent.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
      expect(sent.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Weather where this photo was taken?' }, { inlineData: { mimeType: 'image/png', data: PNG_B64 } }] }]);
      expect(sent.body.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'get_weather', description: 'Current weather for a place' })] }]);

      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(cost);
    });

    it('streaming: finalMessage() reassembles the text', async () => {
      const stream = client.messages.stream({ model: 'google/gemini-2.5-flash', max_tokens: 500, messages: [{ role: 'user', content: 'Capital of France?' }] });
      let deltaUsage: Partial<UsageWithCost> | undefined;
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltaUsage = event.usage as Partial<UsageWithCost>;
      });
      const message = await stream.finalMessage();
      expect(message.content.filter((block) => block.type === 'text').map((block) => (block as Anthropic.TextBlock).text).join('')).toBe('Paris is the capital of France — “la Ville Lumière” 🇫🇷.');
      expect(message.stop_reason).toBe('end_turn');
      billedMicros += expectCost(deltaUsage);
      expect(geminiUpstream.requests[0].url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    });
  });

  describe('count_tokens', () => {
    it('counts the translated prompt (system, messages, tools) for free', async () => {
      const before = await stack.settledCredits();
      const body = { model: 'claude-sonnet-4-5', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Capital of France?' }] };
      const plain = await client.messages.countTokens(body);
      expect(plain).toEqual({ input_tokens: countPromptTokens([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }]) });
      const withTools = await client.messages.countTokens({ ...body, tools: [WEATHER_TOOL] });
      const canonicalTools = [{ type: 'function', function: { name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.input_schema } }];
      expect(withTools.input_tokens).toBe(plain.input_tokens + countTextTokens(JSON.stringify(canonicalTools)));
      const prefixed = await fetch(`${stack.gatewayUrl}/anthropic/v1/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey }, body: JSON.stringify(body) });
      expect(prefixed.status).toBe(200);
      expect(await prefixed.json()).toEqual(plain);
      expect(anthropicUpstream.requests).toHaveLength(0);
      expect((await stack.settledCredits()).balance_micros).toBe(before.balance_micros);
    });

    it('needs a valid key and a known model', async () => {
      const stranger = new Anthropic({ baseURL: stack.gatewayUrl, apiKey: 'sk-not-a-real-key', maxRetries: 0 });
      await expect(stranger.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
        status: 401,
        error: { type: 'error', error: { type: 'authentication_error' } },
      });
      await expect(client.messages.countTokens({ model: 'claude-unknown-9', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
        status: 404,
        error: { type: 'error', error: { type: 'not_found_error' } },
      });
    });
  });

  describe('fallbacks', () => {
    it('an Anthropic model that is overloaded falls back to the next model in `fallbacks`', async () => {
      anthropicUpstream.enqueue({ status: 529, headers: { 'content-type': 'application/json' }, body: anthropicFixture('error.529.json') });
      const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'fall back please' }], fallbacks: ['demo/echo'] } as never);
      expect((message as unknown as { model: string }).model).toBe('demo/echo');
      expect((message as unknown as { content: Array<{ text: string }> }).content[0].text).toContain('fall back please');
      billedMicros += BigInt((message as unknown as { usage: { cost_micros: string } }).usage.cost_micros);
    });
  });

  describe('errors in the Anthropic envelope', () => {
    it('a bad body is a 400 invalid_request_error naming the field', async () => {
      const error = await client.messages.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
      expect(anthropicUpstream.requests).toHaveLength(0);
    });

    it('a bad key is a 401 authentication_error', async () => {
      const stranger = new Anthropic({ baseURL: stack.gatewayUrl, apiKey: 'sk-not-a-real-key', maxRetries: 0 });
      const error = await stranger.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    });

    it('an unknown model is a 404 not_found_error', async () => {
      const error = await client.messages.create({ model: 'claude-unknown-9', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.NotFoundError);
      expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    });

    it('insufficient credits is a 402 billing_error with the request id', async () => {
      const broke = await stack.createWorkspace('anthropic-surface-broke', '0');
      const response = await fetch(`${stack.gatewayUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': broke.key, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(402);
      const body = (await response.json()) as { type: string; error: { type: string; code: string; message: string }; request_id: string };
      expect(body).toMatchObject({ type: 'error', error: { type: 'billing_error', code: 'insufficient_balance' } });
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
      expect(anthropicUpstream.requests).toHaveLength(0);
    });

    it('an upstream failure mid-stream is an error event the SDK raises', async () => {
      anthropicUpstream.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: anthropicFixture('messages.stream-error.sse') });
      const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Tell me a story.' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const error = (await stream.finalMessage().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error.error).toMatchObject({ type: 'error', error: { type: expect.stringMatching(/^(api_error|overloaded_error)$/), message: expect.any(String) } });
      expect(text).toBe('Once upon');
      // What was produced before the failure is billed, and the error event says how much.
      const usage = (error.error as { usage?: Partial<UsageWithCost> }).usage;
      expect(usage?.input_tokens).toBeGreaterThan(0);
      billedMicros += expectCost(usage);
    });
  });

  describe('accounting (runs last)', () => {
    it('over the whole file, the balance dropped by exactly what the responses reported', async () => {
      const settled = BigInt((await stack.settledCredits()).balance_micros);
      expect(billedMicros).toBeGreaterThan(0n);
      expect(initialBalanceMicros - settled).toBe(billedMicros);
    });
  });
});
