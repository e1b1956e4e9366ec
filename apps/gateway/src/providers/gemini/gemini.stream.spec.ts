import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest, TokenUsage } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { mulberry32, replayChunks, splitAtRandom } from '../../streaming/split-replay';
import type { UpstreamHttpClient } from '../../upstream/upstream-http.client';
import type { CanonicalDelta } from '../provider-adapter';
import { GeminiAdapter } from './gemini.adapter';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));
const REQUEST: ChatRequest = { model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 };

const fakeHttp = replayChunks;

function adapter(http: UpstreamHttpClient): GeminiAdapter {
  let n = 0;
  return new GeminiAdapter(http, { apiKey: 'test-gemini-key', baseUrl: 'https://gemini.test/', timeoutMs: 5_000, newToolCallId: () => `call_test_${++n}` });
}

async function collect(chunks: Uint8Array[]): Promise<CanonicalDelta[]> {
  const { http } = fakeHttp(chunks);
  const out: CanonicalDelta[] = [];
  for await (const delta of adapter(http).stream(REQUEST, 'gemini-2.5-flash', new AbortController().signal)) out.push(delta);
  return out;
}

/** Adjacent text deltas joined, so results compare independently of how the bytes were split. */
function normalise(deltas: CanonicalDelta[]): CanonicalDelta[] {
  const out: CanonicalDelta[] = [];
  for (const delta of deltas) {
    const last = out[out.length - 1];
    if ((delta.type === 'content' || delta.type === 'reasoning') && last?.type === delta.type) out[out.length - 1] = { ...last, text: last.text + delta.text };
    else out.push(delta);
  }
  return out;
}

describe('GeminiAdapter stream', () => {
  it('text stream: deltas, one finish and one usage (from the last event) at the end', async () => {
    const deltas = await collect([new Uint8Array(fixture('stream-generate-content.sse'))]);
    const usage: TokenUsage = { promptTokens: 9, completionTokens: 16 + 27, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 27 };
    expect(deltas).toEqual([
      { type: 'started' },
      { type: 'content', text: 'Paris is the capital' },
      { type: 'content', text: ' of France — “la Ville Lumière” 🇫🇷' },
      { type: 'content', text: '.' },
      { type: 'finish', finishReason: 'stop' },
      { type: 'usage', usage },
    ]);
  });

  it('function call stream: text, then the whole call with an id and its thought signature, finish tool_calls', async () => {
    const deltas = await collect([new Uint8Array(fixture('stream-generate-content.function-call.sse'))]);
    expect(deltas).toEqual([
      { type: 'started' },
      { type: 'content', text: 'Let me check the weather there.' },
      { type: 'tool_calls', toolCalls: [{ index: 0, id: 'call_test_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"fahrenheit"}' } }] },
      { type: 'signed_reasoning', signed: { type: 'thought_signature', signature: 'CiwBVKhc7nFSn4VCIRwQBpKSM0sWuqiS9YHxWBY5nvGxE2q2BuQ8rUGnG1Zxyw==', part: 'tool_call', tool_call_id: 'call_test_1' } },
      { type: 'finish', finishReason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 71, completionTokens: 29 + 55, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 55 } },
    ]);
  });

  it('a signature on an empty text part seals the answer text', async () => {
    const event = (parts: unknown[], finish?: string) =>
      `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, ...(finish ? { finishReason: finish } : {}) }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2 } })}\n\n`;
    const sse = event([{ text: 'Hi' }]) + event([{ text: '', thoughtSignature: 'c2ln' }], 'STOP');
    const deltas = await collect([new Uint8Array(Buffer.from(sse))]);
    expect(deltas.slice(1, 3)).toEqual([
      { type: 'content', text: 'Hi' },
      { type: 'signed_reasoning', signed: { type: 'thought_signature', signature: 'c2ln', part: 'text' } },
    ]);
  });

  it.each(['stream-generate-content.sse', 'stream-generate-content.function-call.sse'])('%s split at random byte boundaries equals the unsplit result', async (name) => {
    const bytes = fixture(name);
    const whole = normalise(await collect([new Uint8Array(bytes)]));
    for (let seed = 1; seed <= 50; seed++) {
      expect(normalise(await collect(splitAtRandom(bytes, mulberry32(seed))))).toEqual(whole);
    }
  });

  it('a stream cut off before finishReason is an upstream_error, not a short answer', async () => {
    const bytes = fixture('stream-generate-content.sse');
    const cut = bytes.subarray(0, bytes.indexOf('data:', 10));
    await expect(collect([new Uint8Array(cut)])).rejects.toMatchObject({ code: 'upstream_error' });
  });

  it('an error event mid-stream becomes an AppError after the text so far', async () => {
    const seen: CanonicalDelta[] = [];
    const { http } = fakeHttp([new Uint8Array(fixture('stream-generate-content.error.sse'))]);
    await expect(
      (async () => {
        for await (const delta of adapter(http).stream(REQUEST, 'gemini-2.5-flash', new AbortController().signal)) seen.push(delta);
      })(),
    ).rejects.toBeInstanceOf(AppError);
    expect(seen).toEqual([{ type: 'started' }, { type: 'content', text: 'Paris' }]);
  });
});

describe('GeminiAdapter HTTP', () => {
  it('posts to models/{model}:generateContent with x-goog-api-key, and to :streamGenerateContent?alt=sse', async () => {
    const { http, requests } = fakeHttp([new Uint8Array(fixture('generate-content.response.json'))]);
    const result = await adapter(http).complete(REQUEST, 'gemini-2.5-flash', new AbortController().signal);
    expect(result.content).toBe('The capital of France is Paris.');
    expect(requests[0].url).toBe('https://gemini.test/v1beta/models/gemini-2.5-flash:generateContent');
    expect(requests[0].headers['x-goog-api-key']).toBe('test-gemini-key');
    expect(requests[0].headers.authorization).toBeUndefined();
    expect(JSON.parse(requests[0].body)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 100 } });

    const streamed = fakeHttp([new Uint8Array(fixture('stream-generate-content.sse'))]);
    await collectFrom(adapter(streamed.http));
    expect(streamed.requests[0].url).toBe('https://gemini.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('an HTTP error status becomes the mapped AppError', async () => {
    const { http } = fakeHttp([new Uint8Array(fixture('error.429.json'))], 429);
    await expect(adapter(http).complete(REQUEST, 'gemini-2.5-flash', new AbortController().signal)).rejects.toMatchObject({ code: 'upstream_rate_limited', retryAfterMs: 7_000 });
  });
});

async function collectFrom(a: GeminiAdapter): Promise<CanonicalDelta[]> {
  const out: CanonicalDelta[] = [];
  for await (const delta of a.stream(REQUEST, 'gemini-2.5-flash', new AbortController().signal)) out.push(delta);
  return out;
}
