import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/**
 * Groq (https://console.groq.com/docs/openai): answers 400 to `logprobs`, `logit_bias`, `top_logprobs` and
 * `messages[].name`, and (historically) to `stream_options`; a stream's usage comes in `x_groq.usage` on its last chunk.
 */
export const GROQ_PROVIDER = {
  id: 'groq',
  envPrefix: 'GROQ',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  apiKeyRequired: true,
  quirks: {
    streamOptions: false,
    reasoningField: 'reasoning',
    outputLimitParam: 'max_tokens',
    rejectedParams: ['logprobs', 'logit_bias', 'top_logprobs'],
    rejectedMessageFields: ['name'],
  },
} as const satisfies OpenAiCompatibleProvider;
