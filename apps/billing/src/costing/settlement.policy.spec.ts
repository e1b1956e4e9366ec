import { AppError } from '@switchyard/errors';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { SettlementPolicy } from './settlement.policy';

// The shipped demo price (libs/pricing/data/demo.prices.json), written out so the spec does no I/O.
const demoEcho: EndpointPrice = {
  modelId: 'demo/echo',
  providerId: 'demo',
  upstreamModel: 'demo-echo',
  inputMicrosPerMtok: 150_000n,
  outputMicrosPerMtok: 600_000n,
  cacheReadMicrosPerMtok: 75_000n,
  cacheWriteMicrosPerMtok: 150_000n,
  reasoningMicrosPerMtok: 600_000n,
  requestMicros: 0n,
  imageMicros: 0n,
  contextTokensMax: 128_000,
  outputTokensMax: 4_096,
  supports: new Set(),
};
const table = new PriceTable([demoEcho]);
const policy = new SettlementPolicy(table, { markupBasisPoints: 0, webSearchFeeMicros: 5_000n });

const usage = (promptTokens: number, completionTokens: number, cachedPromptTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedPromptTokens,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});
const request = (overrides: Partial<Parameters<SettlementPolicy['decide']>[0]> = {}) => ({
  outcome: 'succeeded' as const,
  modelId: 'demo/echo',
  providerId: 'demo',
  usage: usage(1_000, 500),
  webSearchRequests: 0,
  surface: 'openai' as const,
  ...overrides,
});

describe('SettlementPolicy', () => {
  it('captures the exact cost of a known usage at the demo price', () => {
    // 1000 prompt × 0.15 + 500 output × 0.6 = 150 + 300 = 450 micros
    expect(policy.decide(request())).toEqual({ kind: 'capture', amountMicros: 450n, tokensCostMicros: 450n, webSearchFeeMicros: 0n });
    // 10 000 prompt of which 4 000 cached: 6000 × 0.15 + 4000 × 0.075 + 2500 × 0.6 = 900 + 300 + 1500 = 2700 micros
    expect(policy.decide(request({ usage: usage(10_000, 2_500, 4_000) }))).toMatchObject({ kind: 'capture', amountMicros: 2_700n });
  });

  it('rounds the token cost once, up: one prompt token costs 1 micro, not 0', () => {
    expect(policy.decide(request({ usage: usage(1, 0), surface: 'embeddings' }))).toMatchObject({ kind: 'capture', amountMicros: 1n });
    // 7 × 0.15 + 3 × 0.6 = 1.05 + 1.8 = 2.85 → 3 (rounding each class up separately would give 2 + 2 = 4)
    expect(policy.decide(request({ usage: usage(7, 3) }))).toMatchObject({ kind: 'capture', amountMicros: 3n });
  });

  it('releases the hold when a failed request produced nothing', () => {
    expect(policy.decide(request({ outcome: 'failed', usage: usage(1_000, 0) }))).toEqual({ kind: 'release', reason: 'failed_before_output' });
    // An unknown model that failed before output has nothing to price: release, not an error.
    expect(policy.decide(request({ outcome: 'failed', modelId: null, providerId: null, usage: usage(0, 0) }))).toMatchObject({ kind: 'release' });
  });

  it('releases the hold for an empty exchange, whatever the outcome', () => {
    expect(policy.decide(request({ outcome: 'succeeded', usage: usage(0, 0), surface: 'embeddings' }))).toEqual({ kind: 'release', reason: 'no_tokens' });
    expect(policy.decide(request({ outcome: 'client_aborted', usage: usage(0, 0) }))).toEqual({ kind: 'release', reason: 'no_tokens' });
  });

  it('does not bill a completed generation that produced nothing, on any generation surface; embeddings bill their prompt', () => {
    for (const surface of ['openai', 'anthropic', 'gemini'] as const) {
      expect(policy.decide(request({ outcome: 'succeeded', usage: usage(1_000, 0), surface }))).toEqual({ kind: 'release', reason: 'empty_completion' });
    }
    expect(policy.decide(request({ outcome: 'succeeded', usage: usage(1_000, 0), surface: 'embeddings' }))).toMatchObject({ kind: 'capture', amountMicros: 150n });
  });

  it('bills a failure mid-stream and a client abort for what was produced', () => {
    expect(policy.decide(request({ outcome: 'failed', usage: usage(1_000, 500) }))).toMatchObject({ kind: 'capture', amountMicros: 450n });
    expect(policy.decide(request({ outcome: 'client_aborted', usage: usage(1_000, 500) }))).toMatchObject({ kind: 'capture', amountMicros: 450n });
    // Aborted before the first token: the prompt was still processed.
    expect(policy.decide(request({ outcome: 'client_aborted', usage: usage(1_000, 0) }))).toMatchObject({ kind: 'capture', amountMicros: 150n });
  });

  it('adds the web-search fee per search request, without markup', () => {
    expect(policy.decide(request({ webSearchRequests: 3 }))).toEqual({ kind: 'capture', amountMicros: 15_450n, tokensCostMicros: 450n, webSearchFeeMicros: 15_000n });
    const marked = new SettlementPolicy(table, { markupBasisPoints: 1_000, webSearchFeeMicros: 5_000n });
    expect(marked.decide(request({ webSearchRequests: 1 }))).toMatchObject({ amountMicros: 495n + 5_000n });
  });

  it('applies markup in basis points, rounded up', () => {
    const marked = new SettlementPolicy(table, { markupBasisPoints: 250, webSearchFeeMicros: 5_000n });
    // 450 × 2.5 % = 11.25 → 12; total 462
    expect(marked.decide(request())).toMatchObject({ kind: 'capture', amountMicros: 462n });
    // 1 micro × 0.01 % still rounds up to 1 micro of markup
    const tiny = new SettlementPolicy(table, { markupBasisPoints: 1, webSearchFeeMicros: 0n });
    expect(tiny.decide(request({ usage: usage(1, 0), surface: 'embeddings' }))).toMatchObject({ amountMicros: 2n });
  });

  it('refuses to bill a served model that has no price (fail closed, never $0)', () => {
    const decide = () => policy.decide(request({ modelId: 'acme/unknown', providerId: 'acme' }));
    expect(decide).toThrow(AppError);
    expect(decide).toThrow(expect.objectContaining({ code: 'model_not_priced', retryable: false }));
    expect(() => policy.decide(request({ modelId: null, providerId: null }))).toThrow(expect.objectContaining({ code: 'model_not_priced' }));
    // Known model on a provider that does not serve it is unpriced too.
    expect(() => policy.decide(request({ providerId: 'openai' }))).toThrow(expect.objectContaining({ code: 'model_not_priced' }));
  });
});
