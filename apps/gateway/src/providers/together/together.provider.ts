import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/** Together AI (https://docs.together.ai/docs/openai-api-compatibility): OpenAI-compatible at api.together.xyz/v1. */
export const TOGETHER_PROVIDER = {
  id: 'together',
  envPrefix: 'TOGETHER',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  apiKeyRequired: true,
  quirks: { streamOptions: true, reasoningField: 'reasoning', outputLimitParam: 'max_tokens', acceptsTopK: true },
} as const satisfies OpenAiCompatibleProvider;
