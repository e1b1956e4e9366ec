import { AUTO_MODEL_ID, type PriceTable } from '@switchyard/pricing';

/** The catalog namespace bare Claude ids belong to. */
const ANTHROPIC_NAMESPACE = 'anthropic';
/** Anthropic's dated snapshots: `claude-sonnet-4-5-20250929`. */
const SNAPSHOT_DATE_SUFFIX = /-\d{8}$/;

/**
 * Anthropic clients send bare ids (`claude-sonnet-4-5`); the catalog names models `provider/model`. A bare id
 * becomes `anthropic/<id>` (or its undated form, or the catalog model whose upstream id it is) when the catalog
 * has it; anything else is passed on as sent, so the router decides (and answers 404 for unknown models).
 */
export function toCatalogModelId(requested: string, prices: PriceTable): string {
  if (requested.includes('/') || requested === AUTO_MODEL_ID) return requested;
  for (const bare of [requested, requested.replace(SNAPSHOT_DATE_SUFFIX, '')]) {
    const modelId = `${ANTHROPIC_NAMESPACE}/${bare}`;
    if (prices.endpointsFor(modelId).length > 0) return modelId;
  }
  const byUpstreamId = prices.all().find((endpoint) => endpoint.providerId === ANTHROPIC_NAMESPACE && endpoint.upstreamModel === requested);
  return byUpstreamId?.modelId ?? requested;
}
