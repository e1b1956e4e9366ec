import { byokFeePrice } from './byok-fee';
import type { EndpointPrice } from './price-table';
import { quoteCostMicros } from './quote';

const price = {
  modelId: 'openai/gpt-4o-mini',
  providerId: 'openai',
  upstreamModel: 'gpt-4o-mini',
  inputMicrosPerMtok: 150_000n,
  outputMicrosPerMtok: 600_000n,
  cacheReadMicrosPerMtok: 75_000n,
  cacheWriteMicrosPerMtok: 0n,
  reasoningMicrosPerMtok: 600_000n,
  requestMicros: 3n,
  imageMicros: 0n,
  contextTokensMax: 128_000,
  outputTokensMax: 16_384,
  supports: new Set(),
} as EndpointPrice;

describe('byokFeePrice', () => {
  it('scales every rate by the fee, rounding each up once', () => {
    expect(byokFeePrice(price, 500)).toMatchObject({ inputMicrosPerMtok: 7_500n, outputMicrosPerMtok: 30_000n, cacheReadMicrosPerMtok: 3_750n, requestMicros: 1n });
  });

  it('is free at 0 basis points and the full price at 10,000', () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    expect(quoteCostMicros(byokFeePrice(price, 0), usage)).toBe(0n);
    expect(quoteCostMicros(byokFeePrice(price, 10_000), usage)).toBe(quoteCostMicros(price, usage));
  });
});
