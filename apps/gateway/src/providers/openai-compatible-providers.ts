import { DEEPSEEK_PROVIDER } from './deepseek/deepseek.provider';
import { FIREWORKS_PROVIDER } from './fireworks/fireworks.provider';
import { GROQ_PROVIDER } from './groq/groq.provider';
import { LLAMA_PROVIDER } from './llama/llama.provider';
import { LOCAL_PROVIDER } from './local/local.provider';
import { MISTRAL_PROVIDER } from './mistral/mistral.provider';
import { OPENAI_PROVIDER } from './openai/openai.provider';
import { QWEN_PROVIDER } from './qwen/qwen.provider';
import { TOGETHER_PROVIDER } from './together/together.provider';
import { XAI_PROVIDER } from './xai/xai.provider';

/**
 * The registry lines of the providers served by the OpenAI-compatible kit, one each. Their env variables
 * (`<envPrefix>_API_KEY`, `<envPrefix>_BASE_URL`) are derived from this list too.
 */
export const OPENAI_COMPATIBLE_PROVIDERS = [
  OPENAI_PROVIDER,
  DEEPSEEK_PROVIDER,
  XAI_PROVIDER,
  GROQ_PROVIDER,
  MISTRAL_PROVIDER,
  TOGETHER_PROVIDER,
  FIREWORKS_PROVIDER,
  QWEN_PROVIDER,
  LLAMA_PROVIDER,
  LOCAL_PROVIDER,
] as const;

export type OpenAiCompatibleEnvPrefix = (typeof OPENAI_COMPATIBLE_PROVIDERS)[number]['envPrefix'];
