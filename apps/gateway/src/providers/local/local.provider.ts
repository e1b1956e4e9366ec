import type { OpenAiCompatibleProvider } from '../openai-compatible/openai-compatible.provider';

/**
 * A self-hosted OpenAI-compatible server: Ollama (http://localhost:11434/v1), vLLM (http://localhost:8000/v1),
 * llama.cpp's llama-server (http://localhost:8080/v1). Enabled by LOCAL_OPENAI_BASE_URL; LOCAL_OPENAI_API_KEY
 * only if the server was started with one. All three accept `stream_options` and `max_tokens`; thinking models
 * served by them stream `reasoning_content`.
 */
export const LOCAL_PROVIDER = {
  id: 'local',
  envPrefix: 'LOCAL_OPENAI',
  apiKeyRequired: false,
  quirks: { streamOptions: true, reasoningField: 'reasoning_content', outputLimitParam: 'max_tokens' },
} as const satisfies OpenAiCompatibleProvider;
