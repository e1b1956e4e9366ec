// Reads repository files (the schema sources and docs/configuration.md) but does no network I/O: acceptable for
// a unit spec that guards generated documentation.
import { readFileSync } from 'node:fs';
import { CONFIGURATION_DOC_PATH, renderConfigReference, SERVICE_ENVS } from '../../../../scripts/config-reference';

describe('docs/configuration.md', () => {
  const rendered = renderConfigReference();

  it('is up to date with the zod env schemas (regenerate: node -r @swc-node/register scripts/config-reference.ts)', () => {
    expect(readFileSync(CONFIGURATION_DOC_PATH, 'utf8')).toBe(rendered);
  });

  it('lists every variable of every service schema', () => {
    for (const { schema } of SERVICE_ENVS) {
      for (const name of Object.keys(schema.shape)) expect(rendered).toContain(`| \`${name}\` |`);
    }
  });

  it('marks a variable without default or optional as required, and one with a default as not', () => {
    expect(rendered).toMatch(/\| `GATEWAY_ADMIN_TOKEN` \| \*\*yes\*\* \| — \|/);
    expect(rendered).toMatch(/\| `LOG_LEVEL` \| no \| `info` \|/);
    expect(rendered).toContain('Account-level extended public key');
  });
});
