import type { ChatUsageBody, TokenUsage } from '@switchyard/contracts';
import { microsToUsd } from '@switchyard/money';
import { type EndpointPrice, quoteCostMicros } from '@switchyard/pricing';

/** Per-request fees charged next to the tokens (web search: the fee times the searches run). */
export interface RequestFees {
  webSearchRequests: number;
  webSearchFeeMicros: bigint;
}

/** The cost billing will capture: tokens at the marked-up price, plus fees (not marked up). */
export function requestCostMicros(usage: TokenUsage, price: EndpointPrice, markupBasisPoints: number, fees?: RequestFees): bigint {
  const feesMicros = fees ? fees.webSearchFeeMicros * BigInt(fees.webSearchRequests) : 0n;
  return quoteCostMicros(price, usage, markupBasisPoints) + feesMicros;
}

/** OpenAI usage plus `cost` (decimal USD string rendered from exact micros), `cost_micros` and the searches run. */
export function toUsageBody(usage: TokenUsage, price: EndpointPrice, markupBasisPoints: number, fees?: RequestFees): ChatUsageBody {
  const costMicros = requestCostMicros(usage, price, markupBasisPoints, fees);
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens, ...(usage.cacheWriteTokens ? { cache_write_tokens: usage.cacheWriteTokens } : {}) },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    cost: microsToUsd(costMicros),
    cost_micros: costMicros.toString(),
    ...(fees?.webSearchRequests ? { server_tool_use: { web_search_requests: fees.webSearchRequests } } : {}),
  };
}
