import type { ModelQuirks, OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/** The o-series reasoning models (o1, o3, o3-mini, o4-mini, …). */
const REASONING_MODEL = /^o\d/;

/**
 * Reasoning models count hidden reasoning in the output, so they only take `max_completion_tokens`, and refuse
 * sampling parameters ("Unsupported parameter: 'temperature' is not supported with this model").
 */
const REASONING_MODEL_QUIRKS: ModelQuirks = {
  outputLimitParam: 'max_completion_tokens',
  rejectedParams: ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs'],
};

export const OPENAI_PROVIDER = {
  id: 'openai',
  envPrefix: 'OPENAI',
  defaultBaseUrl: 'https://api.openai.com/v1',
  apiKeyRequired: true,
  quirks: {
    streamOptions: true,
    reasoningField: 'reasoning',
    modelQuirks: (upstreamModel) => (REASONING_MODEL.test(upstreamModel) ? REASONING_MODEL_QUIRKS : undefined),
  },
} as const satisfies OpenAiCompatibleProvider;
