import type { ChatRequest } from '@switchyard/contracts';
import { DEEPSEEK_PROVIDER } from '../deepseek/deepseek.provider';
import { GROQ_PROVIDER } from '../groq/groq.provider';
import { LOCAL_PROVIDER } from '../local/local.provider';
import { MISTRAL_PROVIDER } from '../mistral/mistral.provider';
import { FIREWORKS_PROVIDER } from '../fireworks/fireworks.provider';
import { OPENAI_PROVIDER } from '../openai/openai.provider';
import { TOGETHER_PROVIDER } from '../together/together.provider';
import { XAI_PROVIDER } from '../xai/xai.provider';
import { toOpenAiCompatibleRequestBody } from './openai-compatible.request';

const request = (fields: Partial<ChatRequest>): ChatRequest => ({ model: 'x/y', messages: [{ role: 'user', content: 'hi' }], ...fields }) as ChatRequest;

describe('OpenAI-compatible request quirks', () => {
  describe('OpenAI reasoning models (o1, o3, o3-mini, o4-mini)', () => {
    it.each(['o1', 'o3', 'o3-mini', 'o4-mini'])('%s: the limit goes in max_completion_tokens; temperature and top_p are dropped', (model) => {
      const body = toOpenAiCompatibleRequestBody(request({ max_tokens: 300, temperature: 0.2, top_p: 0.9, presence_penalty: 0.1, reasoning_effort: 'high' }), model, false, OPENAI_PROVIDER.quirks);
      expect(body).toMatchObject({ model, max_completion_tokens: 300, reasoning_effort: 'high' });
      for (const field of ['max_tokens', 'temperature', 'top_p', 'presence_penalty']) expect(body).not.toHaveProperty(field);
    });

    it('gpt-4o keeps temperature and the field the client used', () => {
      expect(toOpenAiCompatibleRequestBody(request({ max_tokens: 300, temperature: 0.2 }), 'gpt-4o', false, OPENAI_PROVIDER.quirks)).toMatchObject({ max_tokens: 300, temperature: 0.2 });
      const completionTokens = toOpenAiCompatibleRequestBody(request({ max_completion_tokens: 200 }), 'gpt-4o', false, OPENAI_PROVIDER.quirks);
      expect(completionTokens).toMatchObject({ max_completion_tokens: 200 });
      expect(completionTokens).not.toHaveProperty('max_tokens');
    });
  });

  it('top_k reaches the providers that take it (Together, Fireworks) and no other', () => {
    const withTopK = request({ top_k: 40 });
    expect(toOpenAiCompatibleRequestBody(withTopK, 'meta-llama/Llama-3.3-70B-Instruct-Turbo', false, TOGETHER_PROVIDER.quirks)).toMatchObject({ top_k: 40 });
    expect(toOpenAiCompatibleRequestBody(withTopK, 'accounts/fireworks/models/llama-v3p3-70b-instruct', true, FIREWORKS_PROVIDER.quirks)).toMatchObject({ top_k: 40 });
    expect(toOpenAiCompatibleRequestBody(request({}), 'meta-llama/Llama-3.3-70B-Instruct-Turbo', false, TOGETHER_PROVIDER.quirks)).not.toHaveProperty('top_k');
    expect(toOpenAiCompatibleRequestBody(withTopK, 'gpt-4o', false, OPENAI_PROVIDER.quirks)).not.toHaveProperty('top_k');
  });

  it('top_k and signed reasoning are not sent: OpenAI refuses both', () => {
    const history = request({
      top_k: 40,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', signed_reasoning: [{ type: 'thinking', thinking: 't', signature: 's' }] },
        { role: 'user', content: 'again' },
      ],
    });
    const body = toOpenAiCompatibleRequestBody(history, 'gpt-4o', false, OPENAI_PROVIDER.quirks);
    expect(body).not.toHaveProperty('top_k');
    expect(body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('DeepSeek: usage asked for in streams; max_tokens only; deepseek-reasoner drops logprobs; no reasoning sent back', () => {
    const history = request({
      max_completion_tokens: 100,
      logprobs: true,
      top_logprobs: 2,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', reasoning: 'the user greets me' },
        { role: 'user', content: 'again' },
      ],
    });
    const body = toOpenAiCompatibleRequestBody(history, 'deepseek-reasoner', true, DEEPSEEK_PROVIDER.quirks);
    expect(body).toMatchObject({ model: 'deepseek-reasoner', stream: true, max_tokens: 100, stream_options: { include_usage: true } });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body).not.toHaveProperty('logprobs');
    expect(body).not.toHaveProperty('top_logprobs');
    expect((body.messages as Array<Record<string, unknown>>)[1]).toEqual({ role: 'assistant', content: 'hello' });
    // deepseek-chat takes logprobs
    expect(toOpenAiCompatibleRequestBody(history, 'deepseek-chat', false, DEEPSEEK_PROVIDER.quirks)).toMatchObject({ logprobs: true, top_logprobs: 2 });
  });

  it('Groq: no stream_options, no logprobs/logit_bias/top_logprobs, no messages[].name', () => {
    const body = toOpenAiCompatibleRequestBody(
      request({ logprobs: true, top_logprobs: 1, messages: [{ role: 'user', content: 'hi', name: 'ada' }], stream_options: { include_usage: true } }),
      'llama-3.1-8b-instant',
      true,
      GROQ_PROVIDER.quirks,
    );
    expect(body).not.toHaveProperty('stream_options');
    expect(body).not.toHaveProperty('logprobs');
    expect(body).not.toHaveProperty('top_logprobs');
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('Mistral: seed is random_seed; user and stream_options are not sent', () => {
    const body = toOpenAiCompatibleRequestBody(request({ seed: 7, user: 'u-1' }), 'mistral-small-latest', true, MISTRAL_PROVIDER.quirks);
    expect(body).toMatchObject({ random_seed: 7 });
    for (const field of ['seed', 'user', 'stream_options']) expect(body).not.toHaveProperty(field);
  });

  it('xAI reasoning models drop penalties and stop; grok-3 keeps them', () => {
    const withPenalties = request({ presence_penalty: 0.5, frequency_penalty: 0.5, stop: ['END'] });
    const mini = toOpenAiCompatibleRequestBody(withPenalties, 'grok-3-mini', false, XAI_PROVIDER.quirks);
    for (const field of ['presence_penalty', 'frequency_penalty', 'stop']) expect(mini).not.toHaveProperty(field);
    expect(toOpenAiCompatibleRequestBody(withPenalties, 'grok-3', false, XAI_PROVIDER.quirks)).toMatchObject({ presence_penalty: 0.5, stop: ['END'] });
  });

  it('never forwards gateway-only fields, on any provider', () => {
    const body = toOpenAiCompatibleRequestBody(request({ models: ['a/b'], provider: { sort: 'price' }, route: 'fallback', plugins: [{ id: 'web' }], reasoning: { effort: 'low' } }), 'llama3.1:8b', false, LOCAL_PROVIDER.quirks);
    for (const field of ['models', 'provider', 'route', 'plugins', 'reasoning']) expect(body).not.toHaveProperty(field);
    expect(body.reasoning_effort).toBe('low');
  });
});
