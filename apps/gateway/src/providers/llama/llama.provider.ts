import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/** Meta's Llama API through its OpenAI-compatible endpoint (`/compat/v1`); other Llama hosts have their own folders. */
export const LLAMA_PROVIDER = {
  id: 'llama',
  envPrefix: 'LLAMA',
  defaultBaseUrl: 'https://api.llama.com/compat/v1',
  apiKeyRequired: true,
  quirks: { streamOptions: true, reasoningField: 'reasoning', outputLimitParam: 'max_tokens' },
} as const satisfies OpenAiCompatibleProvider;
