import type { UsageForQuote } from './quote';

export type RequestOutcome = 'succeeded' | 'failed' | 'client_aborted';

/** Surfaces whose answers are generated text; an empty one is not a product. */
const GENERATION_SURFACES = new Set(['openai', 'anthropic', 'gemini']);

export type NotBilledReason = 'failed_before_output' | 'empty_completion' | 'no_tokens';

/**
 * Why a finished request is not charged, or null when it is: an upstream error before any output voids the
 * hold; a completed generation with no output is not billed; an exchange without tokens costs nothing. A client
 * that disconnects is billed for the prompt and what was produced. Billing settles by this rule and the gateway's
 * budgets mirror it.
 */
export function notBilledReason(outcome: RequestOutcome, usage: Pick<UsageForQuote, 'promptTokens' | 'completionTokens'>, surface: string): NotBilledReason | null {
  if (outcome === 'failed' && usage.completionTokens === 0) return 'failed_before_output';
  if (outcome === 'succeeded' && usage.completionTokens === 0 && GENERATION_SURFACES.has(surface)) return 'empty_completion';
  if (usage.promptTokens === 0 && usage.completionTokens === 0) return 'no_tokens';
  return null;
}
