// The dashboard calls the gateway's public API on the same origin; the httpOnly session cookie authenticates.

/** An error answer from the API, in its documented envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly suggestedAction?: string,
    /** The request field the API named as wrong (`allowed_models`, `daily_budget_micros`…), on 400s. */
    readonly param?: string | null,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** An operator's admin token, for /api/v1/admin/* (kept in this tab only). */
  adminToken?: string;
  signal?: AbortSignal;
}

export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const response = await send(path, request);
  // An expired access token is renewed once from the refresh cookie, then the call is repeated.
  if (response.status === 401 && !request.adminToken && !path.startsWith('/api/v1/auth/') && (await refreshSession())) {
    return read<T>(await send(path, request));
  }
  return read<T>(response);
}

let refreshing: Promise<boolean> | undefined;
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', credentials: 'same-origin' })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => (refreshing = undefined));
  return refreshing;
}

function send(path: string, request: ApiRequest): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.adminToken) headers.authorization = `Bearer ${request.adminToken}`;
  return fetch(path, {
    method: request.method ?? 'GET',
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    credentials: 'same-origin',
    signal: request.signal,
  });
}

async function read<T>(response: Response): Promise<T> {
  const text = await response.text();
  const parsed = text ? safeJson(text) : undefined;
  if (!response.ok) throw toApiError(response.status, parsed, text);
  return parsed as T;
}

export function toApiError(status: number, parsed: unknown, text = ''): ApiError {
  const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
  if (error && typeof error === 'object') {
    return new ApiError(
      status,
      String(error.code ?? error.type ?? status),
      String(error.message ?? text),
      error.details,
      error.suggested_action as string | undefined,
      typeof error.param === 'string' ? error.param : null,
    );
  }
  return new ApiError(status, String(status), text || `Request failed with status ${status}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
