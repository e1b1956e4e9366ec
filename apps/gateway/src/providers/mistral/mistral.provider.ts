import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/**
 * Mistral (https://docs.mistral.ai/api): answers 422 "Extra inputs are not permitted" to fields it lacks,
 * spells `seed` as `random_seed`, and always ends a stream with usage (no `stream_options`).
 */
export const MISTRAL_PROVIDER = {
  id: 'mistral',
  envPrefix: 'MISTRAL',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  apiKeyRequired: true,
  quirks: {
    streamOptions: false,
    reasoningField: 'reasoning',
    outputLimitParam: 'max_tokens',
    rejectedParams: ['logprobs', 'top_logprobs', 'logit_bias', 'user', 'metadata', 'reasoning_effort'],
    renamedParams: { seed: 'random_seed' },
  },
} as const satisfies OpenAiCompatibleProvider;
