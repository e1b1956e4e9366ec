import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/** Grok reasoning models (grok-3-mini, grok-4…) refuse penalties and `stop`, and return `reasoning_content`. */
const REASONING_MODEL = /^grok-(3-mini|4)/;

/** xAI (https://docs.x.ai): OpenAI-compatible Chat Completions at api.x.ai/v1. */
export const XAI_PROVIDER = {
  id: 'xai',
  envPrefix: 'XAI',
  defaultBaseUrl: 'https://api.x.ai/v1',
  apiKeyRequired: true,
  quirks: {
    streamOptions: true,
    reasoningField: 'reasoning_content',
    outputLimitParam: 'max_tokens',
    modelQuirks: (upstreamModel) => (REASONING_MODEL.test(upstreamModel) ? { rejectedParams: ['presence_penalty', 'frequency_penalty', 'stop'] } : undefined),
  },
} as const satisfies OpenAiCompatibleProvider;
