import type { FinishReason, TokenUsage, ToolCall } from '@switchyard/contracts';
import { ZERO_USAGE } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { CanonicalCompletion } from '../provider-adapter';
import type { OpenAiCompatibleQuirks } from './openai-compatible.provider';

export interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** DeepSeek reports cache reads here instead of `prompt_tokens_details`. */
  prompt_cache_hit_tokens?: number;
}

type OpenAiMessage = { content?: string | null; tool_calls?: ToolCall[]; refusal?: string | null } & Partial<Record<OpenAiCompatibleQuirks['reasoningField'], string | null>>;

interface OpenAiCompletion {
  choices?: Array<{ message?: OpenAiMessage; finish_reason?: string | null }>;
  usage?: OpenAiUsage | null;
}

export function toTokenUsage(usage: OpenAiUsage | null | undefined): TokenUsage {
  if (!usage) return { ...ZERO_USAGE };
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export function toFinishReason(value: string | null | undefined): FinishReason {
  switch (value) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
    case 'stop':
      return value;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

/** A non-streaming response → the canonical completion; a response without usage cannot be metered and is refused. */
export function fromOpenAiCompatibleCompletion(body: unknown, reasoningField: OpenAiCompatibleQuirks['reasoningField'] = 'reasoning'): CanonicalCompletion {
  const completion = body as OpenAiCompletion;
  const choice = completion?.choices?.[0];
  if (!choice) throw new AppError('upstream_error', 'The provider returned no choices.');
  if (!completion.usage) throw new AppError('upstream_error', 'The provider returned no usage; the request cannot be metered.');
  const message = choice.message ?? {};
  const reasoning = message[reasoningField];
  return {
    content: message.content ?? null,
    ...(message.tool_calls?.length ? { toolCalls: message.tool_calls } : {}),
    ...(reasoning ? { reasoning } : {}),
    finishReason: toFinishReason(choice.finish_reason),
    usage: toTokenUsage(completion.usage),
  };
}
