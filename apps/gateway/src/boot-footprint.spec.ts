import { execFile } from 'node:child_process';
import path from 'node:path';

/** Packages the gateway loads only when a request needs them (bench/README.md "Memory and soak"): heap and RSS it keeps otherwise. */
const LOADED_ON_DEMAND = ['viem', '@modelcontextprotocol/sdk', 'gpt-tokenizer', '@opentelemetry/sdk-node'];

const REPO_ROOT = path.resolve(__dirname, '../../..');

/** A fresh process requires the gateway's module graph, as `main.ts` does, and lists the packages it loaded. */
const LIST_LOADED_PACKAGES = `
require('./apps/gateway/src/app.module');
const packages = new Set();
for (const file of Object.keys(require.cache)) {
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
  if (match) packages.add(match[1]);
}
process.stdout.write(JSON.stringify([...packages]));
`;

function packagesLoadedByTheAppModule(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', '-e', LIST_LOADED_PACKAGES],
      { cwd: REPO_ROOT, env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as string[])),
    );
  });
}

describe('gateway boot footprint', () => {
  it('leaves the packages only some requests need out of the module graph it loads at boot', async () => {
    const loaded = await packagesLoadedByTheAppModule();
    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/core', 'fastify', 'undici', 'zod']));
    expect(LOADED_ON_DEMAND.filter((name) => loaded.includes(name))).toEqual([]);
  }, 60_000);
});
