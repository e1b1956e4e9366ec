import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Exit codes: 0 ok, 1 user error or 4xx, 2 network, 3 server or 5xx. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 | 3) {
    super(message);
  }
}

export interface ApiTarget {
  url: string;
  apiKey: string | undefined;
  /** Operator token for /api/v1/admin (finance commands): SWITCHYARD_ADMIN_TOKEN. */
  adminToken?: string | undefined;
}

/** SWITCHYARD_API_URL / SWITCHYARD_API_KEY, else the `make up` state file in the working directory. */
export function resolveTarget(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiTarget {
  let dev: { url?: string; apiKey?: string } = {};
  try {
    dev = JSON.parse(readFileSync(join(cwd, '.switchyard', 'dev.json'), 'utf8'));
  } catch {
    // no local stack state: env or defaults only
  }
  return {
    url: (env.SWITCHYARD_API_URL ?? dev.url ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    apiKey: env.SWITCHYARD_API_KEY ?? dev.apiKey,
    adminToken: env.SWITCHYARD_ADMIN_TOKEN,
  };
}

/** The CLI talks only to the public HTTP API. */
export async function callApi<T>(target: ApiTarget, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return JSON.parse(await callApiText(target, path, init)) as T;
}

/** The same call for operator endpoints, authenticated with the admin token. */
export async function callAdminApi<T>(target: ApiTarget, path: string): Promise<T> {
  return JSON.parse(await callAdminApiText(target, path)) as T;
}

export async function callAdminApiText(target: ApiTarget, path: string): Promise<string> {
  if (!target.adminToken) throw new CliError('No admin token: set SWITCHYARD_ADMIN_TOKEN (the gateway\'s GATEWAY_ADMIN_TOKEN).', 1);
  return callApiText({ ...target, apiKey: target.adminToken }, path);
}

async function callApiText(target: ApiTarget, path: string, init: { method?: string; body?: unknown } = {}): Promise<string> {
  if (!target.apiKey) throw new CliError('No API key: set SWITCHYARD_API_KEY (or run `make up`, which writes .switchyard/dev.json).', 1);
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${target.apiKey}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${target.url}: ${(error as Error).message}`, 2);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON
    }
    throw new CliError(`${response.status}: ${message}`, response.status >= 500 ? 3 : 1);
  }
  return text;
}
