import Anthropic from '@anthropic-ai/sdk';
import { FunctionCallingConfigMode, type GenerateContentResponse, GoogleGenAI, Type, createPartFromFunctionResponse } from '@google/genai';
import OpenAI from 'openai';
import { anthropicFixture, type AnthropicFakeUpstream, startAnthropicFakeUpstream } from '../fake-upstreams/anthropic.fake-upstream';
import { type GeminiFakeUpstream, startGeminiFakeUpstream } from '../fake-upstreams/gemini.fake-upstream';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const ANTHROPIC_KEY = 'sk-ant-upstream';
const OPENAI_KEY = 'sk-openai-upstream';
const GEMINI_KEY = 'gemini-upstream-key';
const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a place',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const GEMINI_WEATHER_TOOL = {
  functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a place', parameters: { type: Type.OBJECT, properties: { location: { type: Type.STRING }, unit: { type: Type.STRING } }, required: ['location'] } }],
};
/** What the Anthropic fixtures with thinking say, exactly. */
const THINKING = { type: 'thinking', thinking: 'The user wants the weather in Paris; call get_weather.', signature: 'ErUBCkYIBhgCIkBthinkingSig0001' };
const REDACTED = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' };
const TOOL_USE = { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris' } };
/** The thoughtSignature on the Gemini fixtures' function call. */
const GEMINI_SIGNATURE = 'CiwBVKhc7nFSn4VCIRwQBpKSM0sWuqiS9YHxWBY5nvGxE2q2BuQ8rUGnG1Zxyw==';

const json = (name: string) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: anthropicFixture(name) });
const sse = (name: string) => ({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: anthropicFixture(name) });

/**
 * What providers tell us beyond text must reach the caller in its own dialect, and come back: the stop sequence that
 * matched, signed thinking (Anthropic) and thought signatures (Gemini), and top_k.
 */
describe('Wire fidelity: stop sequences, reasoning signatures, top_k (official SDKs → gateway → fake upstreams; real stack)', () => {
  let anthropicUpstream: AnthropicFakeUpstream;
  let geminiUpstream: GeminiFakeUpstream;
  // Like OpenAI: unknown fields are refused, so anything not dropped fails the request.
  const openAiUpstream = new FakeOpenAiUpstream({ apiKey: OPENAI_KEY, models: ['gpt-4o-mini'], rejectedParams: { '*': ['top_k'] }, rejectedMessageFields: ['signed_reasoning'] });
  let stack: GatewayTestStack;
  let anthropic: Anthropic;
  let openai: OpenAI;
  let ai: GoogleGenAI;

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
      workspace: { name: 'wire-fidelity', creditMicros: '20000000' },
    });
    anthropic = new Anthropic({ baseURL: stack.gatewayUrl, apiKey: stack.apiKey, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
    ai = new GoogleGenAI({ apiKey: stack.apiKey, httpOptions: { baseUrl: stack.gatewayUrl } });
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

  describe('stop sequences', () => {
    it('Anthropic surface, non-streaming: stop_reason stop_sequence with the sequence Anthropic matched', async () => {
      anthropicUpstream.enqueue(json('messages.stop-sequence.response.json'));
      const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, stop_sequences: ['4'], messages: [{ role: 'user', content: 'Count to ten.' }] });
      expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '4', content: [{ type: 'text', text: '1, 2, 3, ' }] });
      expect(anthropicUpstream.requests[0].body.stop_sequences).toEqual(['4']);
    });

    it('Anthropic surface, streaming: message_delta says stop_sequence and which', async () => {
      anthropicUpstream.enqueue(sse('messages.stop-sequence.stream.sse'));
      const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, stop_sequences: ['4'], messages: [{ role: 'user', content: 'Count to ten.' }] });
      const deltas: Array<{ stop_reason: string | null; stop_sequence: string | null }> = [];
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltas.push(event.delta);
      });
      const message = await stream.finalMessage();
      expect(deltas).toEqual([{ stop_reason: 'stop_sequence', stop_sequence: '4' }]);
      expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '4' });
      expect(message.content).toMatchObject([{ type: 'text', text: '1, 2, 3, ' }]);
    });

    it('OpenAI surface: the same stop is finish_reason stop', async () => {
      anthropicUpstream.enqueue(json('messages.stop-sequence.response.json'));
      const completion = await openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, stop: ['4'], messages: [{ role: 'user', content: 'Count to ten.' }] });
      expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '1, 2, 3, ' } });
    });

    it('Anthropic surface over a GPT model: no sequence is guessed (end_turn, null)', async () => {
      const message = await anthropic.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, stop_sequences: ['4'], messages: [{ role: 'user', content: 'Count to ten.' }] });
      expect(message).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    });
  });

  describe('Anthropic thinking signatures', () => {
    const ask = { role: 'user' as const, content: 'Weather in Paris?' };
    const request = { model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, tools: [WEATHER_TOOL] };

    async function continueWith(content: Anthropic.ContentBlock[]): Promise<Record<string, any>> {
      const next = await anthropic.messages.create({
        ...request,
        messages: [ask, { role: 'assistant', content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: TOOL_USE.id, content: '18°C, sunny' }] }],
      });
      expect(next.content).toEqual([{ type: 'text', text: 'Hello! The capital of France is Paris.' }]);
      return anthropicUpstream.requests[anthropicUpstream.requests.length - 1].body;
    }

    it('non-streaming: thinking (with signature), redacted_thinking and tool_use come back exactly, and go back upstream unchanged', async () => {
      anthropicUpstream.enqueue(json('messages.thinking-tool-use.response.json'));
      const message = await anthropic.messages.create({ ...request, messages: [ask] });
      expect(message.content).toEqual([THINKING, REDACTED, TOOL_USE]);
      expect(message.stop_reason).toBe('tool_use');

      const sent = await continueWith(message.content);
      expect(sent.messages[1]).toEqual({ role: 'assistant', content: [THINKING, REDACTED, TOOL_USE] });
    });

    it('streaming: signature_delta and the redacted block reach the SDK; the continuation carries them back unchanged', async () => {
      anthropicUpstream.enqueue(sse('messages.thinking-tool-use.stream.sse'));
      const stream = anthropic.messages.stream({ ...request, messages: [ask] });
      const blockDeltas: string[] = [];
      stream.on('streamEvent', (event) => {
        if (event.type === 'content_block_delta') blockDeltas.push(event.delta.type);
        if (event.type === 'content_block_start') blockDeltas.push(`start:${event.content_block.type}`);
      });
      const message = await stream.finalMessage();
      expect(blockDeltas).toEqual([
        'start:thinking', 'thinking_delta', 'thinking_delta', 'signature_delta',
        'start:redacted_thinking',
        'start:tool_use', 'input_json_delta', 'input_json_delta',
      ]);
      expect(message.content).toEqual([THINKING, REDACTED, TOOL_USE]);

      const sent = await continueWith(message.content);
      expect(sent.messages[1]).toEqual({ role: 'assistant', content: [THINKING, REDACTED, TOOL_USE] });
    });

    it('OpenAI surface: the reasoning text as before; no signature field is invented', async () => {
      anthropicUpstream.enqueue(json('messages.thinking-tool-use.response.json'));
      const completion = await openai.chat.completions.create({
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 4096,
        reasoning_effort: 'medium',
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.input_schema } }],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      });
      const message = completion.choices[0].message as OpenAI.Chat.Completions.ChatCompletionMessage & Record<string, unknown>;
      expect(message.reasoning).toBe(THINKING.thinking);
      expect(Object.keys(message).sort()).toEqual(['content', 'reasoning', 'role', 'tool_calls']);
      expect(completion.choices[0].finish_reason).toBe('tool_calls');
    });

    it('signed thinking is not sent to another provider', async () => {
      const message = await anthropic.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 200,
        tools: [WEATHER_TOOL],
        messages: [ask, { role: 'assistant', content: [THINKING, REDACTED, TOOL_USE] as Anthropic.ContentBlockParam[] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: TOOL_USE.id, content: '18°C' }] }],
      });
      expect(message.stop_reason).toBeDefined();
      const sent = openAiUpstream.requests[0].body;
      expect(sent.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: TOOL_USE.id, type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] });
    });
  });

  describe('Gemini thought signatures', () => {
    const question = { role: 'user', parts: [{ text: 'What is the weather in San Francisco?' }] };
    const config = { tools: [GEMINI_WEATHER_TOOL], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } }, maxOutputTokens: 500 };

    it('streaming: the signature arrives on the functionCall part and goes back upstream on it', async () => {
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: [question], config })) chunks.push(chunk);
      const parts = chunks.flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? []);
      const callPart = parts.find((part) => part.functionCall);
      expect(callPart).toMatchObject({ functionCall: { name: 'get_weather', args: { location: 'San Francisco, CA', unit: 'fahrenheit' } }, thoughtSignature: GEMINI_SIGNATURE });

      const answer = createPartFromFunctionResponse(callPart?.functionCall?.id ?? '', 'get_weather', { temperature: 64 });
      await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [question, { role: 'model', parts }, { role: 'user', parts: [answer] }], config });
      expect(geminiUpstream.requests[1].body.contents[1]).toEqual({
        role: 'model',
        parts: [{ text: 'Let me check the weather there.' }, { functionCall: { name: 'get_weather', args: { location: 'San Francisco, CA', unit: 'fahrenheit' } }, thoughtSignature: GEMINI_SIGNATURE }],
      });
    });

    it('a Gemini signature is not sent to Anthropic', async () => {
      const contents = [
        question,
        { role: 'model', parts: [{ functionCall: { id: 'call_1', name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: GEMINI_SIGNATURE }] },
        { role: 'user', parts: [createPartFromFunctionResponse('call_1', 'get_weather', { temperature: 18 })] },
      ];
      await ai.models.generateContent({ model: 'anthropic/claude-sonnet-4-5', contents, config });
      expect(anthropicUpstream.requests[0].body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }] });
    });
  });

  describe('top_k', () => {
    it('Anthropic surface → Anthropic: top_k sent', async () => {
      await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...({ top_k: 20 } as object) });
      expect(anthropicUpstream.requests[0].body.top_k).toBe(20);
    });

    it('OpenAI surface → Anthropic and Gemini: top_k sent; → OpenAI: dropped, and the request succeeds', async () => {
      // OpenRouter's extension; the SDK does not type it.
      const body = { max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }], ...({ top_k: 40 } as object) };
      await openai.chat.completions.create({ ...body, model: 'anthropic/claude-sonnet-4-5' });
      expect(anthropicUpstream.requests[0].body.top_k).toBe(40);
      await openai.chat.completions.create({ ...body, model: 'google/gemini-2.5-flash' });
      expect(geminiUpstream.requests[0].body.generationConfig.topK).toBe(40);
      const completion = await openai.chat.completions.create({ ...body, model: 'openai/gpt-4o-mini' });
      expect(completion.choices[0].message.content).toBeTruthy();
      expect(openAiUpstream.requests[0].body).not.toHaveProperty('top_k');
    });

    it('Gemini surface → Gemini and Anthropic: generationConfig.topK carried', async () => {
      await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { topK: 32, maxOutputTokens: 100 } });
      expect(geminiUpstream.requests[0].body.generationConfig.topK).toBe(32);
      await ai.models.generateContent({ model: 'anthropic/claude-sonnet-4-5', contents: 'hi', config: { topK: 32, maxOutputTokens: 100 } });
      expect(anthropicUpstream.requests[0].body.top_k).toBe(32);
    });
  });
});
