import { ApiError, FunctionCallingConfigMode, type GenerateContentResponse, GoogleGenAI, Type, createPartFromFunctionResponse } from '@google/genai';
import { type AnthropicFakeUpstream, anthropicFixture, startAnthropicFakeUpstream } from '../fake-upstreams/anthropic.fake-upstream';
import { type GeminiFakeUpstream, startGeminiFakeUpstream } from '../fake-upstreams/gemini.fake-upstream';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const OPENAI_KEY = 'sk-openai-upstream';
const ANTHROPIC_KEY = 'sk-ant-upstream';
const GEMINI_KEY = 'gemini-upstream-key';
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_TOOL = {
  functionDeclarations: [
    {
      name: 'get_weather',
      description: 'Current weather for a place',
      parameters: { type: Type.OBJECT, properties: { location: { type: Type.STRING }, unit: { type: Type.STRING, enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
    },
  ],
};
/** WEATHER_TOOL's parameters as the JSON Schema every non-Gemini provider must receive. */
const WEATHER_JSON_SCHEMA = { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] };

/** usageMetadata as the gateway extends it. */
type UsageWithCost = NonNullable<GenerateContentResponse['usageMetadata']> & { cost: string; costMicros: string };
const usageOf = (response: GenerateContentResponse) => response.usageMetadata as UsageWithCost;

/** Gemini 2.5 Flash list prices in micro-USD per Mtok: input 0.30, cache read 0.075, output (incl. thoughts) 2.50. */
function flashCostMicros(u: { uncached: number; cacheRead: number; output: number }): string {
  return String(Math.ceil((u.uncached * 300_000 + u.cacheRead * 75_000 + u.output * 2_500_000) / 1_000_000));
}

describe('Gemini surface (@google/genai SDK → gateway → OpenAI / Anthropic / Gemini fake upstreams, real stack)', () => {
  const openaiUpstream = new FakeOpenAiUpstream({ apiKey: OPENAI_KEY, models: ['gpt-4o-mini', 'gpt-4o'] });
  let anthropicUpstream: AnthropicFakeUpstream;
  let geminiUpstream: GeminiFakeUpstream;
  let stack: GatewayTestStack;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    await openaiUpstream.start();
    anthropicUpstream = await startAnthropicFakeUpstream();
    geminiUpstream = await startGeminiFakeUpstream();
    stack = await startGatewayTestStack({
      env: {
        STREAM_KEEPALIVE_MS: '1000',
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openaiUpstream.baseUrl,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: anthropicUpstream.url,
        GEMINI_API_KEY: GEMINI_KEY,
        GEMINI_BASE_URL: geminiUpstream.url,
      },
      workspace: { name: 'gemini-surface', creditMicros: '20000000' },
    });
    ai = new GoogleGenAI({ apiKey: stack.apiKey, httpOptions: { baseUrl: stack.gatewayUrl } });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await openaiUpstream.stop();
    await anthropicUpstream?.close();
    await geminiUpstream?.close();
  });

  beforeEach(() => {
    openaiUpstream.reset();
    anthropicUpstream.requests.length = 0;
    geminiUpstream.requests.length = 0;
  });

  /** Runs `call` and expects the settled balance to drop by exactly the micros `charged` reads from its result. */
  async function expectBilled<T>(call: () => Promise<T>, charged: (result: T) => string): Promise<T> {
    const before = await stack.settledCredits();
    const result = await call();
    const after = await stack.settledCredits();
    const costMicros = charged(result);
    expect(BigInt(costMicros)).toBeGreaterThan(0n);
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(costMicros));
    return result;
  }

  async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  describe('to a Gemini model (Gemini fake upstream)', () => {
    it('generateContent with a bare Gemini id: text, usage with cost, modelVersion, responseId; billed exactly', async () => {
      const response = await expectBilled(
        () =>
          ai.models.generateContent({
            model: 'gemini-2.5-flash',
            contents: 'Capital of France?',
            config: { systemInstruction: 'Be brief.', maxOutputTokens: 300, temperature: 0.5, stopSequences: ['END'] },
          }),
        (r) => usageOf(r).costMicros,
      );
      expect(response.text).toBe('The capital of France is Paris.');
      expect(response.candidates?.[0].finishReason).toBe('STOP');
      expect(response.modelVersion).toBe('google/gemini-2.5-flash');
      expect(response.responseId).toBe(response.sdkHttpResponse?.headers?.['x-switchyard-request-id']);
      expect(response.sdkHttpResponse?.headers?.['x-switchyard-provider']).toBe('google');
      const expected = flashCostMicros({ uncached: 512, cacheRead: 1024, output: 50 });
      expect(usageOf(response)).toMatchObject({
        promptTokenCount: 1536,
        candidatesTokenCount: 8,
        thoughtsTokenCount: 42,
        cachedContentTokenCount: 1024,
        totalTokenCount: 1586,
        costMicros: expected,
        cost: `0.${expected.padStart(6, '0')}`,
      });

      const sent = geminiUpstream.requests[0];
      expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(sent.headers['x-goog-api-key']).toBe(GEMINI_KEY);
      expect(sent.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
      expect(sent.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Capital of France?' }] }]);
      expect(sent.body.generationConfig).toMatchObject({ temperature: 0.5, stopSequences: ['END'] });
      expect(sent.body.generationConfig.maxOutputTokens).toBeLessThanOrEqual(300);
    });

    it('generateContentStream: text chunks, then finishReason and usage with cost last; billed exactly', async () => {
      const chunks = await expectBilled(
        async () => collect(await ai.models.generateContentStream({ model: 'models/gemini-2.5-flash', contents: 'Capital of France, with a flag?', config: { maxOutputTokens: 300 } })),
        (c) => usageOf(c[c.length - 1]).costMicros,
      );
      expect(chunks.map((c) => c.text ?? '').join('')).toBe('Paris is the capital of France — “la Ville Lumière” 🇫🇷.');
      const last = chunks[chunks.length - 1];
      expect(last.candidates?.[0].finishReason).toBe('STOP');
      expect(usageOf(last)).toMatchObject({ promptTokenCount: 9, costMicros: flashCostMicros({ uncached: 9, cacheRead: 0, output: 43 }) });
      expect(chunks.slice(0, -1).every((c) => c.usageMetadata === undefined)).toBe(true);
      expect(geminiUpstream.requests[0].url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    });

    it('function calling round trip: functionCall out with parsed args and its thoughtSignature, both back upstream with the functionResponse', async () => {
      const question = { role: 'user', parts: [{ text: 'What is the weather in San Francisco?' }] };
      const config = { tools: [WEATHER_TOOL], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } }, maxOutputTokens: 500 };
      const first = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [question], config });
      const call = first.functionCalls?.[0];
      expect(first.functionCalls).toHaveLength(1);
      expect(call).toMatchObject({ name: 'get_weather', args: { location: 'San Francisco, CA', unit: 'celsius' } });
      expect(call?.id).toMatch(/^call_/);
      const signature = 'CiwBVKhc7nFSn4VCIRwQBpKSM0sWuqiS9YHxWBY5nvGxE2q2BuQ8rUGnG1Zxyw==';
      expect(first.candidates?.[0].content?.parts?.[0].thoughtSignature).toBe(signature);
      expect(geminiUpstream.requests[0].body.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a place', parameters: WEATHER_JSON_SCHEMA }] }]);
      expect(geminiUpstream.requests[0].body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });

      const answer = createPartFromFunctionResponse(call?.id ?? '', 'get_weather', { temperature: 18, unit: 'celsius' });
      const second = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [question, first.candidates![0].content!, { role: 'user', parts: [answer] }], config });
      expect(second.text).toBe('The capital of France is Paris.');
      expect(geminiUpstream.requests[1].body.contents).toEqual([
        { role: 'user', parts: [{ text: 'What is the weather in San Francisco?' }] },
        // Gemini 3 refuses a function-call turn whose signature is missing.
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'San Francisco, CA', unit: 'celsius' } }, thoughtSignature: signature }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18, unit: 'celsius' } } }] },
      ]);
    });
  });

  describe('to a GPT model (OpenAI fake upstream)', () => {
    it('an inline image and tools reach OpenAI translated; the model path holds a slash; billed exactly', async () => {
      const response = await expectBilled(
        () =>
          ai.models.generateContent({
            model: 'openai/gpt-4o-mini',
            contents: [{ role: 'user', parts: [{ text: 'What colour is this pixel?' }, { inlineData: { mimeType: 'image/png', data: PNG_B64 } }] }],
            config: {
              systemInstruction: 'Answer in one word.',
              tools: [WEATHER_TOOL],
              toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] } },
              maxOutputTokens: 200,
            },
          }),
        (r) => usageOf(r).costMicros,
      );
      expect(response.text).toBe('Hello! How can I assist you today?');
      expect(response.modelVersion).toBe('openai/gpt-4o-mini');
      expect(usageOf(response)).toMatchObject({ promptTokenCount: 19, candidatesTokenCount: 10, totalTokenCount: 29 });

      const sent = openaiUpstream.requests[0];
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
      expect(sent.body.model).toBe('gpt-4o-mini');
      expect(sent.body.messages).toEqual([
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: [{ type: 'text', text: 'What colour is this pixel?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
      ]);
      expect(sent.body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a place', parameters: WEATHER_JSON_SCHEMA } }]);
      expect(sent.body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    });

    it('a streamed function call arrives whole, with parsed args, in the last chunk', async () => {
      const chunks = await collect(
        await ai.models.generateContentStream({ model: 'openai/gpt-4o-mini', contents: 'Weather in Paris?', config: { tools: [WEATHER_TOOL], maxOutputTokens: 200 } }),
      );
      const last = chunks[chunks.length - 1];
      expect(last.functionCalls?.length).toBeGreaterThan(0);
      expect(last.functionCalls?.[0].name).toBe('get_weather');
      expect(typeof last.functionCalls?.[0].args).toBe('object');
      expect(last.candidates?.[0].finishReason).toBe('STOP');
      expect(BigInt(usageOf(last).costMicros)).toBeGreaterThan(0n);
      expect(openaiUpstream.requests[0].body.stream).toBe(true);
    });

    it('a mid-stream upstream failure makes the SDK raise an ApiError; the tokens produced are billed', async () => {
      const before = await stack.settledCredits();
      const received: string[] = [];
      let raised: unknown;
      try {
        const stream = await ai.models.generateContentStream({ model: 'openai/gpt-4o-mini', contents: '[[fake:stream_error]] tell me a story', config: { maxOutputTokens: 200 } });
        for await (const chunk of stream) received.push(chunk.text ?? '');
      } catch (error) {
        raised = error;
      }
      expect(received.join('')).toBe('Hello');
      expect(raised).toBeInstanceOf(ApiError);
      const apiError = raised as ApiError;
      expect(apiError.status).toBe(502);
      expect(apiError.message).toContain('UNAVAILABLE');
      // The error object carries what was billed for the partial answer.
      const body = JSON.parse(apiError.message.slice(apiError.message.indexOf('{'))) as { usageMetadata: UsageWithCost };
      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(body.usageMetadata.costMicros));
    });
  });

  describe('to a Claude model (Anthropic fake upstream)', () => {
    it('tools and the system instruction reach Anthropic translated; tool_use comes back as a functionCall; billed exactly', async () => {
      const response = await expectBilled(
        () =>
          ai.models.generateContent({
            model: 'anthropic/claude-sonnet-4-5',
            contents: [{ role: 'user', parts: [{ text: 'Weather in San Francisco?' }, { inlineData: { mimeType: 'image/png', data: PNG_B64 } }] }],
            config: { systemInstruction: 'Use tools.', tools: [WEATHER_TOOL], maxOutputTokens: 1024 },
          }),
        (r) => usageOf(r).costMicros,
      );
      expect(response.functionCalls?.[0]).toMatchObject({ name: 'get_weather', id: expect.stringMatching(/^toolu_/) });
      expect(response.modelVersion).toBe('anthropic/claude-sonnet-4-5');
      const sent = anthropicUpstream.requests[0];
      expect(sent.url).toBe('/v1/messages');
      expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      expect(sent.body.model).toBe('claude-sonnet-4-5');
      expect(JSON.stringify(sent.body.system)).toContain('Use tools.');
      expect(sent.body.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a place', input_schema: WEATHER_JSON_SCHEMA }]);
      expect(sent.body.messages[0].content).toEqual([
        { type: 'text', text: 'Weather in San Francisco?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
      ]);
    });

    it('thinking: thinkingConfig becomes a thinking budget, thoughts stream back as thought parts', async () => {
      anthropicUpstream.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body: anthropicFixture('messages.thinking.stream.sse') });
      const chunks = await expectBilled(
        async () =>
          collect(
            await ai.models.generateContentStream({
              model: 'anthropic/claude-sonnet-4-5',
              contents: 'GCD of 1071 and 462?',
              config: { maxOutputTokens: 8000, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
            }),
          ),
        (c) => usageOf(c[c.length - 1]).costMicros,
      );
      const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
      const thoughts = parts.filter((p) => p.thought).map((p) => p.text).join('');
      expect(thoughts).toContain('Euclidean algorithm');
      expect(parts.filter((p) => !p.thought).map((p) => p.text ?? '').join('')).toBe('The greatest common divisor of 1071 and 462 is **21**.');
      expect(anthropicUpstream.requests[0].body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    });
  });

  describe('errors in Google’s envelope', () => {
    it('a bad body is a 400 INVALID_ARGUMENT before anything is charged', async () => {
      const raised = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [{ role: 'system' as 'user', parts: [{ text: 'hi' }] }] }).catch((e: unknown) => e);
      expect(raised).toBeInstanceOf(ApiError);
      expect((raised as ApiError).status).toBe(400);
      const response = await fetch(`${stack.gatewayUrl}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': stack.apiKey },
        body: JSON.stringify({ contents: [] }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: number; status: string; message: string } };
      expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      expect(body.error.message).toContain('contents');
      expect(geminiUpstream.requests).toHaveLength(0);
    });

    it('a bad key is a 401 UNAUTHENTICATED', async () => {
      const stranger = new GoogleGenAI({ apiKey: 'sy-not-a-real-key', httpOptions: { baseUrl: stack.gatewayUrl } });
      const raised = await stranger.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e);
      expect(raised).toBeInstanceOf(ApiError);
      expect((raised as ApiError).status).toBe(401);
      expect((raised as ApiError).message).toContain('UNAUTHENTICATED');
    });

    it('an unknown model is a 404 NOT_FOUND; an unknown method too', async () => {
      const raised = await ai.models.generateContent({ model: 'gemini-9-ultra', contents: 'hi' }).catch((e: unknown) => e);
      expect((raised as ApiError).status).toBe(404);
      expect((raised as ApiError).message).toContain('NOT_FOUND');
      const response = await fetch(`${stack.gatewayUrl}/v1beta/models/gemini-2.5-flash:embedContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': stack.apiKey }, body: '{}' });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    });

    it('insufficient credits is a 402 in Google’s envelope', async () => {
      const poor = await stack.createWorkspace('gemini-poor', '1');
      const response = await fetch(`${stack.gatewayUrl}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': poor.key },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 1000 } }),
      });
      expect(response.status).toBe(402);
      const body = (await response.json()) as { error: { code: number; status: string } };
      expect(body.error).toMatchObject({ code: 402, status: 'RESOURCE_EXHAUSTED' });
    });
  });

  describe('raw HTTP', () => {
    it('?key= authenticates; alt=sse streams only data events (and comments), no [DONE]; billed exactly', async () => {
      const before = await stack.settledCredits();
      const response = await fetch(`${stack.gatewayUrl}/v1beta/models/demo/echo:streamGenerateContent?alt=sse&key=${stack.apiKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Echo this back' }] }], generationConfig: { maxOutputTokens: 50 } }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(response.headers.get('x-switchyard-model')).toBe('demo/echo');
      const text = await response.text();
      // The keep-alive comment opens every stream; the SDK tests above prove @google/genai skips it.
      expect(text.startsWith(': switchyard processing\n\n')).toBe(true);
      const blocks = text.split('\n\n').filter((block) => block.trim() !== '');
      expect(blocks.every((block) => block.startsWith('data: ') || block.startsWith(': '))).toBe(true);
      expect(text).not.toContain('[DONE]');
      const events = blocks.filter((b) => b.startsWith('data: ')).map((b) => JSON.parse(b.slice('data: '.length)) as Record<string, any>);
      const last = events[events.length - 1];
      expect(last.candidates[0].finishReason).toBe('STOP');
      const after = await stack.settledCredits();
      expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(BigInt(last.usageMetadata.costMicros));
    });

    it('streamGenerateContent without alt=sse answers a JSON array of responses', async () => {
      const response = await fetch(`${stack.gatewayUrl}/v1beta/models/demo/echo:streamGenerateContent?key=${stack.apiKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'Echo this back' }] }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Array<Record<string, any>>;
      expect(Array.isArray(body)).toBe(true);
      expect(body[body.length - 1]).toMatchObject({ candidates: [{ finishReason: 'STOP' }], modelVersion: 'demo/echo' });
      expect(body[body.length - 1].usageMetadata.costMicros).toMatch(/^\d+$/);
    });

    it('countTokens counts locally, authenticated and free', async () => {
      const before = await stack.settledCredits();
      const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'How many tokens is this sentence?' });
      expect(counted.totalTokens).toBeGreaterThan(5);
      const after = await stack.settledCredits();
      expect(after.balance_micros).toBe(before.balance_micros);
      expect(geminiUpstream.requests).toHaveLength(0);
      const anonymous = await fetch(`${stack.gatewayUrl}/v1beta/models/gemini-2.5-flash:countTokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }) });
      expect(anonymous.status).toBe(401);
    });
  });
});
