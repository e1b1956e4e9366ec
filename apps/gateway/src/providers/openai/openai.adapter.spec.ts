import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { mulberry32, replayHttp, replayResponse, splitAtRandom } from '../../streaming/split-replay';
import type { UpstreamHttpClient, UpstreamRequest, UpstreamResponse } from '../../upstream/upstream-http.client';
import type { CanonicalDelta, ToolCallDelta } from '../provider-adapter';
import { OpenAiCompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import { openAiCompatibleHttpError } from '../openai-compatible/openai-compatible.errors';
import { toOpenAiCompatibleRequestBody } from '../openai-compatible/openai-compatible.request';
import { fromOpenAiCompatibleCompletion } from '../openai-compatible/openai-compatible.response';
import { retryAfterHeaderMs as retryAfterMs } from '../upstream-error';
import { OPENAI_PROVIDER } from './openai.provider';

const openAiHttpError = (status: number, body: string, retryAfter: string | undefined) => openAiCompatibleHttpError(status, body, retryAfter, 'openai');
const toOpenAiRequestBody = (request: ChatRequest, model: string, stream: boolean) => toOpenAiCompatibleRequestBody(request, model, stream, OPENAI_PROVIDER.quirks);
const fromOpenAiCompletion = (body: unknown) => fromOpenAiCompatibleCompletion(body);

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));

/** Splits bytes at random boundaries (including inside multi-byte UTF-8 sequences and `\n\n`). */
const splitRandomly = (bytes: Buffer, seed: number): Uint8Array[] => splitAtRandom(bytes, mulberry32(seed), (random) => 1 + Math.floor(random() * (random() < 0.3 ? 4 : 200)));
const response = replayResponse;

/** An UpstreamHttpClient stand-in: no network, records what the adapter sent. */
function fakeHttp(reply: () => UpstreamResponse): { http: UpstreamHttpClient; sent: UpstreamRequest[] } {
  const { http, requests } = replayHttp(reply);
  return { http, sent: requests };
}

const adapterFor = (reply: () => UpstreamResponse) => {
  const { http, sent } = fakeHttp(reply);
  return { adapter: new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'sk-test-upstream', baseUrl: 'http://upstream.test/v1/', timeoutMs: 5_000 }), sent };
};

const request: ChatRequest = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 } as ChatRequest;

async function collect(iterable: AsyncIterable<CanonicalDelta>): Promise<CanonicalDelta[]> {
  const out: CanonicalDelta[] = [];
  for await (const delta of iterable) out.push(delta);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a failure');
}

/** Tool-call deltas merged by index, as a client assembles them. */
function mergeToolCalls(deltas: CanonicalDelta[]): Array<{ id?: string; name?: string; arguments: string }> {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const delta of deltas) {
    if (delta.type !== 'tool_calls') continue;
    for (const part of delta.toolCalls as ToolCallDelta[]) {
      const call = (calls[part.index] ??= { arguments: '' });
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name = part.function.name;
      call.arguments += part.function?.arguments ?? '';
    }
  }
  return calls;
}

describe('the OpenAI-compatible adapter configured for OpenAI, on recorded fixtures (no network)', () => {
  describe('request', () => {
    it('sends the upstream model, our key, the gateway-lowered max_tokens; streams ask for usage', async () => {
      const { adapter, sent } = adapterFor(() => response(200, [fixture('chat.stream.sse')]));
      await collect(adapter.stream({ ...request, models: ['openai/gpt-4o-mini', 'demo/echo'], provider: { sort: 'price' } } as ChatRequest, 'gpt-4o-mini', new AbortController().signal));
      expect(sent[0].url).toBe('http://upstream.test/v1/chat/completions');
      expect(sent[0].headers.authorization).toBe('Bearer sk-test-upstream');
      const body = JSON.parse(sent[0].body);
      expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, max_tokens: 50, stream_options: { include_usage: true } });
      expect(body).not.toHaveProperty('models');
      expect(body).not.toHaveProperty('provider');
    });

    it('never sends stream_options on a non-streaming request (OpenAI rejects it)', () => {
      const body = toOpenAiRequestBody({ ...request, stream_options: { include_usage: true } } as ChatRequest, 'gpt-4o-mini', false);
      expect(body).not.toHaveProperty('stream_options');
      expect(body.stream).toBe(false);
    });
  });

  describe('non-streaming response', () => {
    it('maps chat.response.json to the canonical completion with usage', async () => {
      const { adapter } = adapterFor(() => response(200, [fixture('chat.response.json')]));
      const result = await adapter.complete(request, 'gpt-4o-mini', new AbortController().signal);
      expect(result).toEqual({
        content: 'Hello! How can I assist you today?',
        finishReason: 'stop',
        usage: { promptTokens: 19, completionTokens: 10, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      });
    });

    it('refuses a response without usage (cannot be metered), naming the provider', async () => {
      const body = JSON.parse(fixture('chat.response.json').toString());
      delete body.usage;
      expect(() => fromOpenAiCompletion(body)).toThrow(AppError);
      const { adapter } = adapterFor(() => response(200, [Buffer.from(JSON.stringify(body))]));
      const error = await failure(adapter.complete(request, 'gpt-4o-mini', new AbortController().signal));
      expect(error.code).toBe('upstream_error');
      expect(error.details).toEqual({ provider: 'openai', upstream_status: 200 });
    });
  });

  describe('stream decoding, split at random byte boundaries', () => {
    const seeds = Array.from({ length: 60 }, (_, i) => i + 1);

    it.each(seeds)('chat.stream.sse, seed %i: same text, one finish, usage last', async (seed) => {
      const { adapter } = adapterFor(() => response(200, splitRandomly(fixture('chat.stream.sse'), seed)));
      const deltas = await collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal));
      const text = deltas.map((d) => (d.type === 'content' ? d.text : '')).join('');
      expect(text).toBe('Hello! How can I assist you today? Ünïcödé ✓');
      expect(deltas.filter((d) => d.type === 'finish')).toEqual([{ type: 'finish', finishReason: 'stop' }]);
      expect(deltas.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: 19, completionTokens: 12, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
    });

    it.each(seeds)('tool-calls.stream.sse, seed %i: both tool calls intact', async (seed) => {
      const { adapter } = adapterFor(() => response(200, splitRandomly(fixture('tool-calls.stream.sse'), seed)));
      const deltas = await collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal));
      expect(mergeToolCalls(deltas)).toEqual([
        { id: 'call_Dn7RxZ0aqTBrGk1nqbyMnVHr', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        { id: 'call_8fWm2hJq1sVbXq3cN0aLz4Ke', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
      ]);
      expect(deltas.filter((d) => d.type === 'finish')).toEqual([{ type: 'finish', finishReason: 'tool_calls' }]);
      expect(deltas.at(-1)).toMatchObject({ type: 'usage', usage: { promptTokens: 83, completionTokens: 41 } });
    });

    it('also decodes CRLF line endings', async () => {
      const crlf = Buffer.from(fixture('chat.stream.sse').toString('utf8').replace(/\n/g, '\r\n'));
      const { adapter } = adapterFor(() => response(200, splitRandomly(crlf, 7)));
      const deltas = await collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal));
      expect(deltas.at(-1)?.type).toBe('usage');
    });

    it('a stream that ends without usage is an upstream_error (cannot be metered)', async () => {
      const withoutUsage = fixture('chat.stream.sse')
        .toString('utf8')
        .split('\n\n')
        .filter((e) => !e.includes('"choices":[]'))
        .join('\n\n');
      const { adapter } = adapterFor(() => response(200, [Buffer.from(withoutUsage)]));
      const error = await failure(collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal)));
      expect(error.code).toBe('upstream_error');
      expect(error.details).toEqual({ provider: 'openai', upstream_status: 200 });
    });

    it('an error event after two chunks fails the stream after yielding what came before', async () => {
      const events = fixture('chat.stream.sse').toString('utf8').split('\n\n').slice(0, 2);
      const errorEvent = `data: ${JSON.stringify(JSON.parse(fixture('error.stream-event.json').toString()))}`;
      const body = Buffer.from([...events, errorEvent, ''].join('\n\n'));
      const { adapter } = adapterFor(() => response(200, splitRandomly(body, 3)));
      const seen: CanonicalDelta[] = [];
      const error = await failure(
        (async () => {
          for await (const delta of adapter.stream(request, 'gpt-4o-mini', new AbortController().signal)) seen.push(delta);
        })(),
      );
      expect(seen).toEqual([{ type: 'started' }, { type: 'content', text: 'Hello' }]);
      expect(error.code).toBe('upstream_error');
      expect(error.details).toMatchObject({ provider: 'openai' });
    });

    it('a body that breaks off is an upstream_error naming the provider', async () => {
      const parts = [new Uint8Array(fixture('chat.stream.sse').subarray(0, 400))];
      const broken: UpstreamResponse = {
        ...response(200, parts),
        body: {
          ...response(200, parts).body,
          async *[Symbol.asyncIterator]() {
            yield parts[0];
            throw new Error('other side closed');
          },
        },
      };
      const { adapter } = adapterFor(() => broken);
      const error = await failure(collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal)));
      expect(error.code).toBe('upstream_error');
      expect(error.details).toEqual({ provider: 'openai', upstream_status: 200 });
    });
  });

  describe('error fixtures → AppError codes, with { provider, upstream_status }', () => {
    const cases: Array<[string, number, string, number, Record<string, string>]> = [
      ['error.429.rate-limit.json', 429, 'upstream_rate_limited', 429, { 'retry-after': '7' }],
      ['error.500.server.json', 500, 'upstream_error', 502, {}],
      ['error.401.invalid-api-key.json', 401, 'upstream_error', 502, {}],
      ['error.400.context-length.json', 400, 'context_length_exceeded', 400, {}],
    ];

    it.each(cases)('%s (HTTP %i) → %s (%i)', async (name, status, code, httpStatus, headers) => {
      const { adapter } = adapterFor(() => response(status, [fixture(name)], headers));
      for (const call of [() => adapter.complete(request, 'gpt-4o-mini', new AbortController().signal), () => collect(adapter.stream(request, 'gpt-4o-mini', new AbortController().signal))]) {
        const error = await failure(call());
        expect(error.code).toBe(code);
        expect(error.httpStatus).toBe(httpStatus);
        expect(error.details).toEqual({ provider: 'openai', upstream_status: status });
        expect(error.message).not.toContain('sk-test');
      }
    });

    it('429 keeps Retry-After (seconds or HTTP date)', () => {
      expect(openAiHttpError(429, fixture('error.429.rate-limit.json').toString(), '7').retryAfterMs).toBe(7_000);
      expect(retryAfterMs(new Date(Date.parse('2026-01-01T00:00:10Z')).toUTCString(), Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
      expect(retryAfterMs(undefined)).toBeUndefined();
      expect(retryAfterMs('soon')).toBeUndefined();
    });

    it('401 does not blame the caller and does not echo the upstream message', () => {
      const error = openAiHttpError(401, fixture('error.401.invalid-api-key.json').toString(), undefined);
      expect(error.message).not.toMatch(/Incorrect API key/);
      expect(error.message).toMatch(/not a problem with your request/);
    });

    it('context length keeps the provider message and names the param', () => {
      const error = openAiHttpError(400, fixture('error.400.context-length.json').toString(), undefined);
      expect(error.message).toMatch(/maximum context length is 128000 tokens/);
      expect(error.param).toBe('messages');
    });

    it('an upstream 404 (our model mapping) is an upstream_error, not the caller’s 400', () => {
      const error = openAiHttpError(404, JSON.stringify({ error: { message: 'The model `gpt-x` does not exist', code: 'model_not_found' } }), undefined);
      expect(error.code).toBe('upstream_error');
    });

    it('transport failures before a response still name the provider', async () => {
      const http = { post: async () => Promise.reject(new AppError('upstream_error', 'Could not reach the provider.')) } as unknown as UpstreamHttpClient;
      const adapter = new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'k', baseUrl: 'http://x/v1', timeoutMs: 1_000 });
      const error = await failure(adapter.complete(request, 'gpt-4o-mini', new AbortController().signal));
      expect(error.details).toEqual({ provider: 'openai', upstream_status: null });
    });
  });
});
