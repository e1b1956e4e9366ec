import type { ChatRequest } from '@switchyard/contracts';
import { replayHttp, replayResponse } from '../../streaming/split-replay';
import { OpenAiCompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import type { CanonicalDelta } from '../provider-adapter';
import { GROQ_PROVIDER } from './groq.provider';

/** Groq's stream as it sends it: usage on the finishing chunk under `x_groq`, no usage-only chunk. */
const GROQ_STREAM = [
  { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1716131679, model: 'llama-3.1-8b-instant', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], x_groq: { id: 'req_01' } },
  { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1716131679, model: 'llama-3.1-8b-instant', choices: [{ index: 0, delta: { content: 'Hello!' }, logprobs: null, finish_reason: null }] },
  {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1716131679,
    model: 'llama-3.1-8b-instant',
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
    x_groq: { id: 'req_01', usage: { queue_time: 0.07, prompt_tokens: 23, prompt_time: 0.006, completion_tokens: 3, completion_time: 0.02, total_tokens: 26, total_time: 0.03 } },
  },
]
  .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
  .concat('data: [DONE]\n\n')
  .join('');

describe('Groq through the OpenAI-compatible kit', () => {
  it('reads the stream usage from x_groq and never asks for stream_options', async () => {
    const { http, requests } = replayHttp(() => replayResponse(200, [Buffer.from(GROQ_STREAM)]));
    const adapter = new OpenAiCompatibleAdapter(http, GROQ_PROVIDER, { apiKey: 'gsk_test', baseUrl: 'https://api.groq.com/openai/v1', timeoutMs: 5_000 });
    const deltas: CanonicalDelta[] = [];
    const request = { model: 'meta-llama/llama-3.1-8b-instruct', messages: [{ role: 'user', content: 'hi', name: 'ada' }], max_tokens: 20 } as ChatRequest;
    for await (const delta of adapter.stream(request, 'llama-3.1-8b-instant', new AbortController().signal)) deltas.push(delta);
    expect(deltas.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: 23, completionTokens: 3, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
    expect(requests[0].url).toBe('https://api.groq.com/openai/v1/chat/completions');
    const sent = JSON.parse(requests[0].body);
    expect(sent).not.toHaveProperty('stream_options');
    expect(sent.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });
});
