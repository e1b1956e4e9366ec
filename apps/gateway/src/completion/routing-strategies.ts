import type { RoutingStrategy } from '@switchyard/contracts';
import type { RoutableEndpoint } from './routing-table';

/** Below this, TTFT differences do not matter to `balanced` (fakes and same-region providers differ by a few ms). */
const BALANCED_TTFT_FLOOR_MS = 250;
/** Keeps the price ratio finite for free endpoints (micro-USD per 4M blended tokens). */
const BALANCED_PRICE_FLOOR = 1_000;
/** 5 points of reliability weigh as much as a doubling of price or of TTFT. */
const BALANCED_RELIABILITY_WEIGHT = 20;

/**
 * Orders endpoints by a strategy; ties always end on catalog order, so the result is deterministic.
 *   cheapest       blended price, then reliability, then TTFT
 *   fastest        TTFT p50 (unknown counts as the median of the known ones), then price
 *   most_reliable  smoothed success rate, then TTFT, then price
 *   balanced       log2(price / cheapest) + log2(TTFT / fastest) + 20 × (1 − reliability), lowest first
 */
export function orderByStrategy(endpoints: readonly RoutableEndpoint[], strategy: RoutingStrategy): RoutableEndpoint[] {
  if (endpoints.length < 2) return [...endpoints];
  const ttft = ttftWithImputation(endpoints);
  switch (strategy) {
    case 'cheapest':
      return [...endpoints].sort((a, b) => a.blendedPrice - b.blendedPrice || b.reliability - a.reliability || ttft(a) - ttft(b) || a.index - b.index);
    case 'fastest':
      return [...endpoints].sort((a, b) => ttft(a) - ttft(b) || a.blendedPrice - b.blendedPrice || a.index - b.index);
    case 'most_reliable':
      return [...endpoints].sort((a, b) => b.reliability - a.reliability || ttft(a) - ttft(b) || a.blendedPrice - b.blendedPrice || a.index - b.index);
    case 'balanced': {
      let cheapest = Number.POSITIVE_INFINITY;
      let fastest = Number.POSITIVE_INFINITY;
      for (const e of endpoints) {
        cheapest = Math.min(cheapest, e.blendedPrice);
        fastest = Math.min(fastest, ttft(e));
      }
      const priceBase = cheapest + BALANCED_PRICE_FLOOR;
      const ttftBase = Math.max(fastest, BALANCED_TTFT_FLOOR_MS);
      const scores = new Map<RoutableEndpoint, number>();
      for (const e of endpoints) {
        const priceTerm = Math.log2((e.blendedPrice + BALANCED_PRICE_FLOOR) / priceBase);
        const ttftTerm = Number.isFinite(ttftBase) ? Math.log2(Math.max(ttft(e), BALANCED_TTFT_FLOOR_MS) / ttftBase) : 0;
        scores.set(e, priceTerm + ttftTerm + BALANCED_RELIABILITY_WEIGHT * (1 - e.reliability));
      }
      return [...endpoints].sort((a, b) => (scores.get(a) as number) - (scores.get(b) as number) || a.index - b.index);
    }
  }
}

/** TTFT p50 per endpoint, the median of the known ones standing in for an unknown one (all unknown: all equal). */
function ttftWithImputation(endpoints: readonly RoutableEndpoint[]): (endpoint: RoutableEndpoint) => number {
  const known: number[] = [];
  for (const e of endpoints) if (e.ttftP50Ms !== null) known.push(e.ttftP50Ms);
  if (known.length === 0) return () => 0;
  known.sort((a, b) => a - b);
  const middle = known.length >> 1;
  const median = known.length % 2 === 1 ? known[middle] : (known[middle - 1] + known[middle]) / 2;
  return (endpoint) => endpoint.ttftP50Ms ?? median;
}
