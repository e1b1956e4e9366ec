import type { UsageForQuote } from './quote';

export type RequestOutcome = 'succeeded' | 'failed' | 'client_aborted';

/**
 * Whether a finished request is charged at all: an upstream error before any output voids the hold, and an
 * exchange without tokens costs nothing. Billing settles by this rule and the gateway's budgets mirror it.
 */
export function isBillable(outcome: RequestOutcome, usage: Pick<UsageForQuote, 'promptTokens' | 'completionTokens'>): boolean {
  if (outcome === 'failed' && usage.completionTokens === 0) return false;
  return usage.promptTokens > 0 || usage.completionTokens > 0;
}
