import type { ChatRequest } from '@switchyard/contracts';
import { ChatRequestSchema } from '@switchyard/contracts';
import { type EndpointPrice, PriceTable, quoteWorstCaseMicros } from '@switchyard/pricing';
import fc from 'fast-check';
import { MIN_OUTPUT_TOKENS, outputTokensCoveredByHold, planHold, promptTokensUpperBound } from './hold-sizing';

const table = PriceTable.loadFromDirectory();
const echo = table.find('demo', 'demo/echo') as EndpointPrice;
const large = table.find('demo', 'demo/echo-large') as EndpointPrice;

const request = (body: Record<string, unknown>): ChatRequest => ChatRequestSchema.parse({ model: 'demo/echo', messages: [{ role: 'user', content: 'héllo wörld' }], ...body });

describe('hold sizing', () => {
  it('bounds prompt tokens by the UTF-8 bytes of the serialized messages', () => {
    const r = request({});
    expect(promptTokensUpperBound(r)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(r.messages), 'utf8'));
    // multi-byte characters count as bytes, not characters
    expect(promptTokensUpperBound(request({ messages: [{ role: 'user', content: '€'.repeat(100) }] }))).toBeGreaterThanOrEqual(300);
  });

  it('sizes the worst case with the endpoint maximum when max_tokens is absent, 16 tokens for the minimum', () => {
    const plan = planHold(request({}), echo, 0);
    expect(plan.outputTokensMax).toBe(echo.outputTokensMax);
    expect(plan.amountMicros).toBe(quoteWorstCaseMicros(echo, plan.promptTokensMax, echo.outputTokensMax));
    expect(plan.minAmountMicros).toBe(quoteWorstCaseMicros(echo, plan.promptTokensMax, MIN_OUTPUT_TOKENS));
    expect(plan.minAmountMicros).toBeLessThan(plan.amountMicros);
  });

  it('uses max_tokens / max_completion_tokens but never above the endpoint maximum', () => {
    expect(planHold(request({ max_tokens: 100 }), echo, 0).outputTokensMax).toBe(100);
    expect(planHold(request({ max_completion_tokens: 50, max_tokens: 100 }), echo, 0).outputTokensMax).toBe(50);
    expect(planHold(request({ max_tokens: 1_000_000 }), echo, 0).outputTokensMax).toBe(echo.outputTokensMax);
  });

  it('a partial hold lowers max_tokens to what it covers', () => {
    const plan = planHold(request({}), large, 0);
    const half = plan.amountMicros / 2n;
    const tokens = outputTokensCoveredByHold(large, plan.promptTokensMax, plan.outputTokensMax, half, 0);
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThan(plan.outputTokensMax);
    expect(quoteWorstCaseMicros(large, plan.promptTokensMax, tokens)).toBeLessThanOrEqual(half);
    expect(quoteWorstCaseMicros(large, plan.promptTokensMax, tokens + 1)).toBeGreaterThan(half);
    // a full hold does not raise max_tokens above the request
    expect(outputTokensCoveredByHold(large, plan.promptTokensMax, plan.outputTokensMax, plan.amountMicros * 10n, 0)).toBe(plan.outputTokensMax);
  });

  it('never lets the upstream max_tokens cost more than the hold (any price, markup, amount)', () => {
    const prices = [echo, large];
    fc.assert(
      fc.property(
        fc.constantFrom(...prices),
        fc.string({ maxLength: 400 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.bigInt({ min: 0n, max: 5_000_000n }),
        (price, text, maxTokens, markup, held) => {
          const plan = planHold(request({ messages: [{ role: 'user', content: text }], max_tokens: maxTokens }), price, markup);
          const tokens = outputTokensCoveredByHold(price, plan.promptTokensMax, plan.outputTokensMax, held, markup);
          return tokens <= plan.outputTokensMax && (tokens === 0 || quoteWorstCaseMicros(price, plan.promptTokensMax, tokens, markup) <= held);
        },
      ),
    );
  });
});
