import type { ChatUsageBody, TokenUsage } from '@switchyard/contracts';
import { microsToUsd } from '@switchyard/money';
import { type EndpointPrice, quoteCostMicros } from '@switchyard/pricing';

/** OpenAI usage plus `cost` (decimal USD string rendered from exact micros) and `cost_micros`. */
export function toUsageBody(usage: TokenUsage, price: EndpointPrice, markupBasisPoints: number): ChatUsageBody {
  const costMicros = quoteCostMicros(price, usage, markupBasisPoints);
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens, ...(usage.cacheWriteTokens ? { cache_write_tokens: usage.cacheWriteTokens } : {}) },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    cost: microsToUsd(costMicros),
    cost_micros: costMicros.toString(),
  };
}
