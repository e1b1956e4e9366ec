import { mulDiv } from '@switchyard/money';
import type { EndpointPrice } from './price-table';

const TOKENS_PER_MTOK = 1_000_000n;

/**
 * Token counts by price class. `promptTokens` includes cached reads and cache writes, and
 * `completionTokens` includes reasoning tokens (OpenAI's usage semantics).
 */
export interface UsageForQuote {
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  images?: number;
}

/** Exact cost in micro-USD: Σ tokens × price / 1e6, rounded once, up. Markup is added on top, also rounded up. */
export function quoteCostMicros(price: EndpointPrice, usage: UsageForQuote, markupBasisPoints = 0): bigint {
  const cached = BigInt(usage.cachedPromptTokens);
  const cacheWrite = BigInt(usage.cacheWriteTokens);
  const reasoning = BigInt(Math.min(usage.reasoningTokens, usage.completionTokens));
  const uncachedPrompt = BigInt(Math.max(0, usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens));
  const plainCompletion = BigInt(usage.completionTokens) - reasoning;
  const scaled =
    uncachedPrompt * price.inputMicrosPerMtok +
    cached * price.cacheReadMicrosPerMtok +
    cacheWrite * price.cacheWriteMicrosPerMtok +
    plainCompletion * price.outputMicrosPerMtok +
    reasoning * price.reasoningMicrosPerMtok;
  const tokensCost = mulDiv(scaled, 1n, TOKENS_PER_MTOK, 'ceil');
  const base = tokensCost + price.requestMicros + BigInt(usage.images ?? 0) * price.imageMicros;
  if (markupBasisPoints === 0 || base === 0n) return base;
  return base + mulDiv(base, BigInt(markupBasisPoints), 10_000n, 'ceil');
}

/** Worst case for a hold: every prompt token uncached at the input price, every output token at the dearest output price. */
export function quoteWorstCaseMicros(price: EndpointPrice, promptTokensMax: number, outputTokensMax: number, markupBasisPoints = 0): bigint {
  const outputPrice = price.reasoningMicrosPerMtok > price.outputMicrosPerMtok ? price.reasoningMicrosPerMtok : price.outputMicrosPerMtok;
  const inputPrice = price.cacheWriteMicrosPerMtok > price.inputMicrosPerMtok ? price.cacheWriteMicrosPerMtok : price.inputMicrosPerMtok;
  const scaled = BigInt(promptTokensMax) * inputPrice + BigInt(outputTokensMax) * outputPrice;
  const base = mulDiv(scaled, 1n, TOKENS_PER_MTOK, 'ceil') + price.requestMicros;
  if (markupBasisPoints === 0 || base === 0n) return base;
  return base + mulDiv(base, BigInt(markupBasisPoints), 10_000n, 'ceil');
}

/** The largest output that a given amount covers after the prompt is paid for (for lowering max_tokens). */
export function affordableOutputTokens(price: EndpointPrice, promptTokensMax: number, amountMicros: bigint, markupBasisPoints = 0): number {
  const outputPrice = price.reasoningMicrosPerMtok > price.outputMicrosPerMtok ? price.reasoningMicrosPerMtok : price.outputMicrosPerMtok;
  if (outputPrice === 0n) return Number.MAX_SAFE_INTEGER;
  // Work back from the amount: remove markup (floor), request fee and prompt cost, then divide by output price (floor).
  const withoutMarkup = markupBasisPoints === 0 ? amountMicros : mulDiv(amountMicros, 10_000n, 10_000n + BigInt(markupBasisPoints), 'floor');
  const inputPrice = price.cacheWriteMicrosPerMtok > price.inputMicrosPerMtok ? price.cacheWriteMicrosPerMtok : price.inputMicrosPerMtok;
  const budgetScaled = (withoutMarkup - price.requestMicros) * TOKENS_PER_MTOK - BigInt(promptTokensMax) * inputPrice;
  if (budgetScaled <= 0n) return 0;
  const tokens = budgetScaled / outputPrice;
  return tokens > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(tokens);
}
