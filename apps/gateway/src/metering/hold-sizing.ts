import type { ChatRequest } from '@switchyard/contracts';
import { affordableOutputTokens, type EndpointPrice, quoteWorstCaseMicros } from '@switchyard/pricing';

/** Output a hold must at least cover for a request to be worth serving. */
export const MIN_OUTPUT_TOKENS = 16;
/** Upper bound charged per image part (high-detail images on the dearest models stay below this). */
export const IMAGE_TOKENS_MAX = 2_000;

export interface HoldPlan {
  promptTokensMax: number;
  outputTokensMax: number;
  amountMicros: bigint;
  minAmountMicros: bigint;
  /** Held for fees, not available for tokens. */
  feeMicros: bigint;
}

/**
 * An upper bound on prompt tokens without tokenizing: every token is at least one UTF-8 byte, so the byte
 * length of everything the provider reads (messages, tools, response format) bounds the count; images add a cap each.
 */
export function promptTokensUpperBound(request: Pick<ChatRequest, 'messages' | 'tools' | 'response_format'>): number {
  const serialized = JSON.stringify([request.messages, request.tools ?? null, request.response_format ?? null]);
  let images = 0;
  for (const message of request.messages) {
    if (Array.isArray(message.content)) images += message.content.filter((part) => part.type === 'image_url').length;
  }
  return Buffer.byteLength(serialized, 'utf8') + images * IMAGE_TOKENS_MAX;
}

/** The output the caller asked for, capped by the endpoint's own maximum (the default when unset). */
export function requestedOutputTokens(request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>, price: EndpointPrice): number {
  const asked = request.max_completion_tokens ?? request.max_tokens ?? price.outputTokensMax;
  return Math.min(asked, price.outputTokensMax);
}

/** What a plugin adds to a request before it reaches the provider (web search: results and a fee). */
export interface HoldExtras {
  promptTokens: number;
  feeMicros: bigint;
}

const NO_EXTRAS: HoldExtras = { promptTokens: 0, feeMicros: 0n };

/**
 * What to ask the ledger for: the worst case, and the least worth serving (16 output tokens); fees on top.
 * `promptBound` is promptTokensUpperBound(request), passed in when several candidates are planned for one request
 * (it serializes the whole prompt).
 */
export function planHold(request: ChatRequest, price: EndpointPrice, markupBasisPoints: number, extras: HoldExtras = NO_EXTRAS, promptBound = promptTokensUpperBound(request)): HoldPlan {
  const promptTokensMax = promptBound + extras.promptTokens;
  const outputTokensMax = requestedOutputTokens(request, price);
  return {
    promptTokensMax,
    outputTokensMax,
    amountMicros: quoteWorstCaseMicros(price, promptTokensMax, outputTokensMax, markupBasisPoints) + extras.feeMicros,
    minAmountMicros: quoteWorstCaseMicros(price, promptTokensMax, Math.min(MIN_OUTPUT_TOKENS, outputTokensMax), markupBasisPoints) + extras.feeMicros,
    feeMicros: extras.feeMicros,
  };
}

/**
 * The upstream `max_tokens` a hold pays for on one endpoint: what was asked, lowered to what the held amount
 * covers in the worst case. 0 means the hold cannot pay for this endpoint at all.
 */
export function outputTokensCoveredByHold(
  price: EndpointPrice,
  promptTokensMax: number,
  requestedOutputTokensMax: number,
  heldMicros: bigint,
  markupBasisPoints: number,
): number {
  const covered = affordableOutputTokens(price, promptTokensMax, heldMicros, markupBasisPoints);
  return Math.max(0, Math.min(requestedOutputTokensMax, covered));
}
