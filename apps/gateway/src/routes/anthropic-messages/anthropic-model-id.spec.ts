import { type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { toCatalogModelId } from './anthropic-model-id';

const endpoint = (modelId: string, providerId: string, upstreamModel: string): EndpointPrice => ({
  modelId,
  providerId,
  upstreamModel,
  inputMicrosPerMtok: 1n,
  outputMicrosPerMtok: 1n,
  cacheReadMicrosPerMtok: 1n,
  cacheWriteMicrosPerMtok: 1n,
  reasoningMicrosPerMtok: 1n,
  requestMicros: 0n,
  imageMicros: 0n,
  contextTokensMax: 1000,
  outputTokensMax: 100,
  supports: new Set(),
});

const prices = new PriceTable([
  endpoint('anthropic/claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'),
  endpoint('anthropic/claude-haiku-3-5', 'anthropic', 'claude-3-5-haiku-20241022'),
  endpoint('openai/gpt-4o-mini', 'openai', 'gpt-4o-mini'),
]);

describe('toCatalogModelId', () => {
  it('keeps catalog ids and auto as sent', () => {
    expect(toCatalogModelId('openai/gpt-4o-mini', prices)).toBe('openai/gpt-4o-mini');
    expect(toCatalogModelId('demo/echo', prices)).toBe('demo/echo');
    expect(toCatalogModelId('auto', prices)).toBe('auto');
  });

  it('maps bare Claude ids, dated snapshots and upstream ids to the catalog', () => {
    expect(toCatalogModelId('claude-sonnet-4-5', prices)).toBe('anthropic/claude-sonnet-4-5');
    expect(toCatalogModelId('claude-sonnet-4-5-20250929', prices)).toBe('anthropic/claude-sonnet-4-5');
    expect(toCatalogModelId('claude-3-5-haiku-20241022', prices)).toBe('anthropic/claude-haiku-3-5');
  });

  it('passes unknown bare ids on unchanged (the router answers 404)', () => {
    expect(toCatalogModelId('claude-nonexistent', prices)).toBe('claude-nonexistent');
    expect(toCatalogModelId('gpt-4o-mini', prices)).toBe('gpt-4o-mini');
  });
});
