import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTING_TIERS, type RoutingConfig, RoutingConfigSchema } from '@switchyard/contracts';
import type { PriceTable } from '@switchyard/pricing';

export const DEFAULT_ROUTING_CONFIG_FILE = join(__dirname, 'default-routing-config.json');

/**
 * The operator's routing config (`ROUTING_CONFIG_FILE`, else the defaults beside this file): `auto` tiers and provider
 * data policies. Every tier model must be a chat model of the catalog, so a typo stops boot instead of emptying a tier.
 */
export function loadRoutingConfig(catalog: PriceTable, file: string = DEFAULT_ROUTING_CONFIG_FILE): RoutingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`routing config ${file} is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = RoutingConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`routing config ${file} is invalid: ${parsed.error.message}`);
  const problems: string[] = [];
  for (const tier of ROUTING_TIERS) {
    if (parsed.data.tiers[tier].length === 0) problems.push(`tier ${tier} lists no model`);
    for (const modelId of parsed.data.tiers[tier]) {
      const endpoints = catalog.endpointsFor(modelId);
      if (endpoints.length === 0) problems.push(`tier ${tier}: ${modelId} is not in the price data`);
      else if (endpoints.every((e) => e.supports.has('embeddings'))) problems.push(`tier ${tier}: ${modelId} is an embedding model`);
    }
  }
  if (problems.length > 0) throw new Error(`routing config ${file}: ${problems.join('; ')}`);
  return parsed.data;
}
