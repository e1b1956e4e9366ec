import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTING_TIERS } from '@switchyard/contracts';
import { PriceTable } from '@switchyard/pricing';
import { DEFAULT_ROUTING_CONFIG_FILE, loadRoutingConfig } from './routing-config.loader';

const catalog = PriceTable.loadFromDirectory();

describe('loadRoutingConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the default config names only chat models of the catalog, in every tier, and a data policy for every provider', () => {
    const config = loadRoutingConfig(catalog);
    for (const tier of ROUTING_TIERS) expect(config.tiers[tier].length).toBeGreaterThan(0);
    const providers = new Set(catalog.all().map((e) => e.providerId));
    for (const provider of providers) expect(config.providers[provider]).toBeDefined();
  });

  it('stops boot on a model the catalog does not have, or an embedding model in a tier', () => {
    const config = JSON.parse(readFileSync(DEFAULT_ROUTING_CONFIG_FILE, 'utf8'));
    config.tiers.simple = ['acme/typo', 'openai/text-embedding-3-small'];
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(config));
    expect(() => loadRoutingConfig(catalog, file)).toThrow(/acme\/typo is not in the price data.*text-embedding-3-small is an embedding model/);
    writeFileSync(file, '{"tiers": {}}');
    expect(() => loadRoutingConfig(catalog, file)).toThrow(/invalid/);
  });
});
