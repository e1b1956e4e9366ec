import type { RoutingStrategy } from '@switchyard/contracts';
import { scriptedEndpoint, scriptedHealth, scriptedSnapshot } from './__fixtures__/scripted-routing-table';
import { orderByStrategy } from './routing-strategies';
import { RoutingTable } from './routing-table';

/**
 * One model on four providers:
 *   bargain  cheapest (0.1 $/M), unreliable (6 of 10), slow (900 ms TTFT)
 *   sprint   most expensive (1 $/M), fast (120 ms), 50 of 50
 *   steady   0.3 $/M, 600 ms, 100 of 100
 *   fresh    0.2 $/M, no samples yet
 */
const MODEL = 'acme/chat';
const table = RoutingTable.build(
  [scriptedEndpoint('bargain', MODEL, 100_000, 100_000), scriptedEndpoint('sprint', MODEL, 1_000_000, 1_000_000), scriptedEndpoint('steady', MODEL, 300_000, 300_000), scriptedEndpoint('fresh', MODEL, 200_000, 200_000)],
  scriptedSnapshot([
    scriptedHealth('bargain', MODEL, { successes: 6, failures: 4, ttftP50Ms: 900 }),
    scriptedHealth('sprint', MODEL, { successes: 50, ttftP50Ms: 120 }),
    scriptedHealth('steady', MODEL, { successes: 100, ttftP50Ms: 600 }),
  ]),
);
const ranked = (strategy: RoutingStrategy) => orderByStrategy(table.endpointsOf(MODEL), strategy).map((e) => e.price.providerId);

describe('orderByStrategy on a scripted endpoint set', () => {
  it('cheapest: by blended price, whatever the health', () => {
    expect(ranked('cheapest')).toEqual(['bargain', 'fresh', 'steady', 'sprint']);
  });

  it('fastest: by TTFT p50; an endpoint without samples counts as the median (600 ms) and ties break on price', () => {
    expect(ranked('fastest')).toEqual(['sprint', 'fresh', 'steady', 'bargain']);
  });

  it('most_reliable: by smoothed success rate (100/100 beats 50/50 beats no data beats 6/10)', () => {
    expect(ranked('most_reliable')).toEqual(['steady', 'sprint', 'fresh', 'bargain']);
  });

  it('balanced: the reliable middle — neither the flaky cheapest nor the 10× price of the fastest', () => {
    expect(ranked('balanced')).toEqual(['steady', 'fresh', 'sprint', 'bargain']);
  });

  it('without any health every strategy is catalog price order (the no-snapshot fallback)', () => {
    const bare = RoutingTable.build(table.endpoints.map((e) => e.price), undefined);
    for (const strategy of ['cheapest', 'fastest', 'most_reliable', 'balanced'] as const) {
      expect(orderByStrategy(bare.endpointsOf(MODEL), strategy).map((e) => e.price.providerId)).toEqual(['bargain', 'fresh', 'steady', 'sprint']);
    }
  });
});
