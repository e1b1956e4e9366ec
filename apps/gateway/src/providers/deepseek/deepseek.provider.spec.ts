import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest } from '@switchyard/contracts';
import { mulberry32, replayHttp, replayResponse, splitAtRandom } from '../../streaming/split-replay';
import { OpenAiCompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import type { CanonicalDelta } from '../provider-adapter';
import { DEEPSEEK_PROVIDER } from './deepseek.provider';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));
const request = { model: 'deepseek/deepseek-r1', messages: [{ role: 'user', content: 'Capital of France?' }], max_tokens: 500 } as ChatRequest;

function adapterReplaying(parts: Uint8Array[]) {
  const { http, requests } = replayHttp(() => replayResponse(200, parts));
  return { adapter: new OpenAiCompatibleAdapter(http, DEEPSEEK_PROVIDER, { apiKey: 'sk-deepseek-test', baseUrl: 'http://upstream.test/v1', timeoutMs: 5_000 }), requests };
}

describe('DeepSeek through the OpenAI-compatible kit', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('streams reasoning_content as reasoning deltas, split at random (seed %i)', async (seed) => {
    const parts = splitAtRandom(fixture('reasoner.stream.sse'), mulberry32(seed), (random) => 1 + Math.floor(random() * 120));
    const { adapter } = adapterReplaying(parts);
    const deltas: CanonicalDelta[] = [];
    for await (const delta of adapter.stream(request, 'deepseek-reasoner', new AbortController().signal)) deltas.push(delta);
    const text = (type: 'reasoning' | 'content') => deltas.map((d) => (d.type === type ? d.text : '')).join('');
    expect(text('reasoning')).toBe('Okay, the user asks for the capital of France. That is Paris.');
    expect(text('content')).toBe('The capital of France is **Paris**.');
    const lastReasoning = deltas.map((d) => d.type).lastIndexOf('reasoning');
    expect(deltas.findIndex((d) => d.type === 'content')).toBeGreaterThan(lastReasoning);
    expect(deltas.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: 13, completionTokens: 41, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 29 } });
  });

  it('a non-streaming answer carries reasoning_content as reasoning; the key goes in the Authorization header only', async () => {
    const { adapter, requests } = adapterReplaying([fixture('reasoner.response.json')]);
    const result = await adapter.complete(request, 'deepseek-reasoner', new AbortController().signal);
    expect(result).toMatchObject({ content: 'The capital of France is **Paris**.', reasoning: 'Okay, the user asks for the capital of France. That is Paris.', usage: { reasoningTokens: 29 } });
    expect(requests[0].url).toBe('http://upstream.test/v1/chat/completions');
    expect(requests[0].headers.authorization).toBe('Bearer sk-deepseek-test');
    expect(requests[0].body).not.toContain('sk-deepseek-test');
  });

  it('reads cache hits from prompt_cache_hit_tokens', async () => {
    const body = JSON.parse(fixture('reasoner.response.json').toString());
    body.usage = { prompt_tokens: 100, completion_tokens: 5, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 };
    const { adapter } = adapterReplaying([Buffer.from(JSON.stringify(body))]);
    expect((await adapter.complete(request, 'deepseek-reasoner', new AbortController().signal)).usage.cachedPromptTokens).toBe(64);
  });
});
