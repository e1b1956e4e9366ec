import type { TokenUsage } from '@switchyard/contracts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown): number => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);

/**
 * Token usage in any provider's own format: OpenAI chat (`prompt_tokens`…), OpenAI Responses (`input_tokens`,
 * `*_details`), Anthropic (`input_tokens`, `cache_read_input_tokens`…), Gemini (`usageMetadata`). Looks at the
 * object itself and where streams nest it (`message.usage`, `response.usage`). Undefined when there is none.
 */
export function usageOf(payload: unknown): TokenUsage | undefined {
  if (!isObject(payload)) return undefined;
  const nested = [payload.usage, isObject(payload.message) ? payload.message.usage : undefined, isObject(payload.response) ? payload.response.usage : undefined];
  for (const usage of nested) {
    if (isObject(usage)) return fromUsageObject(usage);
  }
  if (isObject(payload.usageMetadata)) return fromGemini(payload.usageMetadata);
  return undefined;
}

function fromUsageObject(usage: Json): TokenUsage {
  const inputDetails = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : isObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const anthropicCacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  // Anthropic's input_tokens excludes cache reads and writes; OpenAI's prompt/input tokens include cached ones.
  const promptTokens = count(usage.prompt_tokens) || count(usage.input_tokens) + anthropicCacheRead + cacheWrite;
  return {
    promptTokens,
    completionTokens: count(usage.completion_tokens) || count(usage.output_tokens),
    cachedPromptTokens: count(inputDetails.cached_tokens) || anthropicCacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: count(outputDetails.reasoning_tokens),
  };
}

function fromGemini(usage: Json): TokenUsage {
  const thoughts = count(usage.thoughtsTokenCount);
  return {
    promptTokens: count(usage.promptTokenCount),
    completionTokens: count(usage.candidatesTokenCount) + thoughts,
    cachedPromptTokens: count(usage.cachedContentTokenCount),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

/** Streams report usage piecemeal (Anthropic: input at the start, output at the end) or cumulatively: keep the largest of each. */
export function mergeUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  if (!a) return b;
  return {
    promptTokens: Math.max(a.promptTokens, b.promptTokens),
    completionTokens: Math.max(a.completionTokens, b.completionTokens),
    cachedPromptTokens: Math.max(a.cachedPromptTokens, b.cachedPromptTokens),
    cacheWriteTokens: Math.max(a.cacheWriteTokens, b.cacheWriteTokens),
    reasoningTokens: Math.max(a.reasoningTokens, b.reasoningTokens),
  };
}
