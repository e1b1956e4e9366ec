import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/** Fireworks AI: OpenAI-compatible at api.fireworks.ai/inference/v1; model names are `accounts/fireworks/models/…`. */
export const FIREWORKS_PROVIDER = {
  id: 'fireworks',
  envPrefix: 'FIREWORKS',
  defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  apiKeyRequired: true,
  quirks: { streamOptions: true, reasoningField: 'reasoning_content', outputLimitParam: 'max_tokens', acceptsTopK: true },
} as const satisfies OpenAiCompatibleProvider;
