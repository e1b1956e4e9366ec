import type { ToolCall } from './chat-request.schema';

/** Canonical (OpenAI-shaped) response types the gateway emits on the OpenAI surface. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface ChatUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens: number };
  /** Cost in USD as a decimal string rendered from exact micros (never a float). */
  cost?: string;
  cost_micros?: string;
  /** Searches run for the web plugin (each charged the web-search fee). */
  server_tool_use?: { web_search_requests: number };
}

/** OpenRouter-style citation of a web-search source. */
export interface UrlCitationAnnotation {
  type: 'url_citation';
  url_citation: { url: string; title: string; content: string; start_index?: number; end_index?: number };
}

export interface ChatCompletionBody {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  provider?: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; refusal?: string | null; reasoning?: string | null; annotations?: UrlCitationAnnotation[] };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage: ChatUsageBody;
  system_fingerprint?: string | null;
}

export interface ChatChunkBody {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  provider?: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      reasoning?: string | null;
      annotations?: UrlCitationAnnotation[];
      tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }>;
    };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: ChatUsageBody | null;
  error?: { message: string; code: string; type: string; metadata?: Record<string, unknown> };
}
