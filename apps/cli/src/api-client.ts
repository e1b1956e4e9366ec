import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCredentials, type StoredCredentials, writeCredentials } from './credentials';

/** Exit codes: 0 ok, 1 user error or 4xx, 2 network, 3 server or 5xx. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ApiTarget {
  url: string;
  apiKey: string | undefined;
  /** Operator token for /api/v1/admin (finance commands): SWITCHYARD_ADMIN_TOKEN. */
  adminToken?: string | undefined;
  /** The `switchyard login` session, when it is for this URL. */
  session?: StoredCredentials | undefined;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** How a command prints: the value as JSON with `--json`, else the human text. */
export type Print = (json: boolean, value: unknown, human: () => string) => void;

/** SWITCHYARD_API_URL / SWITCHYARD_API_KEY, else the login credentials, else the `make up` state file in the working directory. */
export function resolveTarget(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiTarget {
  let dev: { url?: string; apiKey?: string } = {};
  try {
    dev = JSON.parse(readFileSync(join(cwd, '.switchyard', 'dev.json'), 'utf8'));
  } catch {
    // no local stack state: env or defaults only
  }
  const stored = readCredentials(env);
  const url = (env.SWITCHYARD_API_URL ?? stored?.api_url ?? dev.url ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  return {
    url,
    apiKey: env.SWITCHYARD_API_KEY ?? dev.apiKey,
    adminToken: env.SWITCHYARD_ADMIN_TOKEN,
    session: stored && stored.api_url.replace(/\/$/, '') === url ? stored : undefined,
  };
}

export interface CallInit {
  method?: string;
  body?: unknown;
  /** Which credential to use when both exist: the API key (default, what model calls need) or the login session. */
  prefer?: 'key' | 'session';
  /** No credential at all (discovery, device flow). */
  anonymous?: boolean;
}

/** The CLI talks only to the public HTTP API. */
export async function callApi<T>(target: ApiTarget, path: string, init: CallInit = {}): Promise<T> {
  return JSON.parse(await callApiText(target, path, init)) as T;
}

/** The same call for operator endpoints, authenticated with the admin token. */
export async function callAdminApi<T>(target: ApiTarget, path: string): Promise<T> {
  return JSON.parse(await callAdminApiText(target, path)) as T;
}

export async function callAdminApiText(target: ApiTarget, path: string): Promise<string> {
  if (!target.adminToken) throw new CliError('No admin token: set SWITCHYARD_ADMIN_TOKEN (the gateway\'s GATEWAY_ADMIN_TOKEN).', 1);
  return send(target.url, path, target.adminToken, {});
}

async function callApiText(target: ApiTarget, path: string, init: CallInit = {}): Promise<string> {
  if (init.anonymous) return send(target.url, path, undefined, init);
  const useSession = target.session && (init.prefer === 'session' || !target.apiKey);
  if (!useSession) {
    if (!target.apiKey) throw new CliError('Not signed in: run `switchyard login`, or set SWITCHYARD_API_KEY.', 1);
    return send(target.url, path, target.apiKey, init);
  }
  const session = target.session as StoredCredentials;
  try {
    return await send(target.url, path, session.access_token, init);
  } catch (error) {
    if (!(error instanceof CliError) || error.status !== 401) throw error;
    // The access token lives an hour: refresh once (the refresh token rotates) and retry.
    const refreshed = await refreshSession(target.url, session);
    target.session = refreshed;
    return send(target.url, path, refreshed.access_token, init);
  }
}

interface TokenResponse { access_token: string; refresh_token: string; address: string; workspace_id: string }

async function refreshSession(url: string, session: StoredCredentials): Promise<StoredCredentials> {
  let tokens: TokenResponse;
  try {
    tokens = JSON.parse(await send(url, '/api/v1/auth/refresh', undefined, { method: 'POST', body: { refresh_token: session.refresh_token } })) as TokenResponse;
  } catch (error) {
    if (error instanceof CliError && error.exitCode === 1) throw new CliError('Your session expired: run `switchyard login` again.', 1, 401, 'unauthenticated');
    throw error;
  }
  const next: StoredCredentials = { ...session, access_token: tokens.access_token, refresh_token: tokens.refresh_token, saved_at: new Date().toISOString() };
  writeCredentials(next);
  return next;
}

/** One HTTP call; maps failures to exit codes and adds what to do next where we know it. */
export async function send(url: string, path: string, token: string | undefined, init: CallInit): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${url}: ${(error as Error).message}. Check SWITCHYARD_API_URL and that the gateway is running.`, 2);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 500);
    let code: string | undefined;
    try {
      const body = JSON.parse(text) as { error?: { message?: string; code?: string } | string; error_description?: string };
      if (typeof body.error === 'string') {
        code = body.error;
        message = body.error_description ?? body.error;
      } else {
        message = body.error?.message ?? message;
        code = body.error?.code ?? undefined;
      }
    } catch {
      // not JSON
    }
    throw new CliError(`${response.status}: ${message}${hint(response.status)}`, response.status >= 500 ? 3 : 1, response.status, code);
  }
  return text;
}

function hint(status: number): string {
  if (status === 401) return '\nSign in with `switchyard login`, or check SWITCHYARD_API_KEY.';
  if (status === 402) return '\nAdd credits: `switchyard deposit address` shows where to send USDT, then `switchyard deposit verify <txHash>`.';
  if (status === 403) return '\nYour key or role does not allow this; a workspace owner (or a management key) can.';
  if (status === 429) return '\nRate limited: wait a moment and retry.';
  return '';
}
