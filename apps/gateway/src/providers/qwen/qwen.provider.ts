import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/**
 * Qwen on Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode, international endpoint (set
 * QWEN_BASE_URL=https://dashscope.aliyuncs.com/compatible-mode/v1 for mainland China). Thinking models return
 * `reasoning_content`.
 */
export const QWEN_PROVIDER = {
  id: 'qwen',
  envPrefix: 'QWEN',
  defaultBaseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  apiKeyRequired: true,
  quirks: { streamOptions: true, reasoningField: 'reasoning_content', outputLimitParam: 'max_tokens' },
} as const satisfies OpenAiCompatibleProvider;
