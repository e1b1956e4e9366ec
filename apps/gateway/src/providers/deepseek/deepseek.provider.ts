import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/**
 * DeepSeek (https://api-docs.deepseek.com): `deepseek-reasoner` streams its chain of thought in
 * `reasoning_content` and answers 400 to `logprobs`/`top_logprobs` (sampling parameters are accepted and ignored).
 * Cache reads come as `prompt_cache_hit_tokens`, which the shared usage mapping reads.
 */
export const DEEPSEEK_PROVIDER = {
  id: 'deepseek',
  envPrefix: 'DEEPSEEK',
  defaultBaseUrl: 'https://api.deepseek.com/v1',
  apiKeyRequired: true,
  quirks: {
    streamOptions: true,
    reasoningField: 'reasoning_content',
    outputLimitParam: 'max_tokens',
    modelQuirks: (upstreamModel) => (upstreamModel === 'deepseek-reasoner' ? { rejectedParams: ['logprobs', 'top_logprobs'] } : undefined),
  },
} as const satisfies OpenAiCompatibleProvider;
