import fc from 'fast-check';
import { PriceTable, type EndpointPrice } from './price-table';
import { affordableOutputTokens, quoteCostMicros, quoteWorstCaseMicros } from './quote';

const table = PriceTable.loadFromDirectory();
const mini = table.find('openai', 'openai/gpt-4o-mini') as EndpointPrice;

describe('quote', () => {
  it('loads every shipped price file and knows the demo model', () => {
    expect(table.find('demo', 'demo/echo')).toBeDefined();
    expect(mini.inputMicrosPerMtok).toBe(150_000n);
    expect(table.find('openai', 'openai/unknown')).toBeUndefined();
  });

  it('prices each token class and rounds once, up', () => {
    // 1000 uncached prompt × 0.15 + 200 cached × 0.075 + 300 output × 0.6 = 150 + 15 + 180 = 345 micros
    expect(quoteCostMicros(mini, { promptTokens: 1200, cachedPromptTokens: 200, cacheWriteTokens: 0, completionTokens: 300, reasoningTokens: 0 })).toBe(345n);
    // 1 token × 0.15 micros rounds up to 1, not 0
    expect(quoteCostMicros(mini, { promptTokens: 1, cachedPromptTokens: 0, cacheWriteTokens: 0, completionTokens: 0, reasoningTokens: 0 })).toBe(1n);
    expect(quoteCostMicros(mini, { promptTokens: 0, cachedPromptTokens: 0, cacheWriteTokens: 0, completionTokens: 0, reasoningTokens: 0 })).toBe(0n);
  });

  it('adds markup in basis points, rounded up', () => {
    expect(quoteCostMicros(mini, { promptTokens: 1000, cachedPromptTokens: 0, cacheWriteTokens: 0, completionTokens: 0, reasoningTokens: 0 }, 500)).toBe(158n);
  });

  it('the worst case bounds every actual cost within its limits', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(100_000), fc.nat(100_000), (prompt, cachedRaw, completion, reasoningRaw) => {
        const cached = Math.min(cachedRaw, prompt);
        const reasoning = Math.min(reasoningRaw, completion);
        const actual = quoteCostMicros(mini, { promptTokens: prompt, cachedPromptTokens: cached, cacheWriteTokens: 0, completionTokens: completion, reasoningTokens: reasoning }, 250);
        return actual <= quoteWorstCaseMicros(mini, prompt, completion, 250);
      }),
    );
  });

  it('affordable output tokens never cost more than the amount', () => {
    fc.assert(
      fc.property(fc.nat(50_000), fc.bigInt({ min: 0n, max: 10_000_000n }), (prompt, amount) => {
        const tokens = affordableOutputTokens(mini, prompt, amount, 100);
        return tokens === 0 || quoteWorstCaseMicros(mini, prompt, tokens, 100) <= amount;
      }),
    );
  });
});
