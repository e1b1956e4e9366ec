import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..', '..');

/** What `make up` wrote to .switchyard/dev.json. */
export interface DevStack {
  url: string;
  apiKey: string;
  adminToken: string;
  workspaceId: string;
  chain: { rpcUrl: string; chainId: number; token: string; payerMnemonicIndex: number };
}

export function devStack(): DevStack {
  return JSON.parse(readFileSync(join(ROOT, '.switchyard', 'dev.json'), 'utf8')) as DevStack;
}

export const dashboardUrl = (path = '') => `${devStack().url}/dashboard${path}`;
