import { AppError } from '@switchyard/errors';
import { retryAfterHeaderMs as retryAfterMs, upstreamDetails } from '../upstream-error';

const MESSAGE_CHARS_MAX = 1_000;

/** Google's error envelope: `{error: {code, message, status}}` (status is the google.rpc.Code name). */
interface GeminiErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown; details?: Array<{ '@type'?: unknown; retryDelay?: unknown }> };
}

/**
 * Upstream HTTP status (and google.rpc status) → our error table. Only genuine caller mistakes (INVALID_ARGUMENT,
 * FAILED_PRECONDITION on the request) keep Google's message; auth failures are ours and never blame the caller.
 */
export function geminiHttpError(statusCode: number, bodyText: string, retryAfter: string | undefined): AppError {
  const { status, message, retryDelayMs } = parseError(bodyText);
  const details = { ...upstreamDetails('google', statusCode), ...(status ? { upstream_type: status } : {}) };
  if (statusCode === 429 || status === 'RESOURCE_EXHAUSTED') {
    return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { retryAfterMs: retryAfterMs(retryAfter) ?? retryDelayMs, details });
  }
  if (statusCode === 408 || statusCode === 504 || status === 'DEADLINE_EXCEEDED') return new AppError('upstream_timeout', 'The provider timed out.', { details });
  if (statusCode >= 500 || status === 'UNAVAILABLE' || status === 'INTERNAL') return new AppError('upstream_error', 'The provider returned an error.', { details });
  // Our key, our project, our model mapping: never the caller's fault.
  if (statusCode === 401 || statusCode === 403 || status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') {
    return new AppError('upstream_error', 'The provider rejected the gateway credentials; this is not a problem with your request or your API key.', { details });
  }
  // Google answers a bad key with 400 INVALID_ARGUMENT "API key not valid" — still ours.
  if (message && /api key/i.test(message)) {
    return new AppError('upstream_error', 'The provider rejected the gateway credentials; this is not a problem with your request or your API key.', { details });
  }
  if (statusCode === 404 || status === 'NOT_FOUND') return new AppError('upstream_error', 'The provider does not serve the configured model.', { details });
  // FAILED_PRECONDITION is e.g. "free tier not available in your country" / billing not enabled: the gateway's account.
  if (status === 'FAILED_PRECONDITION') return new AppError('upstream_error', 'The provider account cannot serve requests right now.', { details });
  if (statusCode === 413) return new AppError('request_too_large', 'The request is too large for the provider.', { details });
  if (message && /exceeds the maximum number of tokens/i.test(message)) {
    return new AppError('context_length_exceeded', `The prompt is too long for this model: ${message}`, { param: 'messages', details });
  }
  return new AppError('invalid_request', message ?? `The provider rejected the request (HTTP ${statusCode}).`, { details });
}

/** An `{error}` object inside a 200 SSE stream. */
export function geminiStreamError(error: { code?: unknown; message?: unknown; status?: unknown }): AppError {
  const status = typeof error.status === 'string' ? error.status : undefined;
  const details = { provider: 'google', ...(status ? { upstream_type: status } : {}) };
  if (status === 'RESOURCE_EXHAUSTED' || error.code === 429) return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { details });
  const message = typeof error.message === 'string' ? error.message.slice(0, 500) : 'unknown error';
  return new AppError('upstream_error', `The provider failed mid-stream: ${message}`, { details });
}

function parseError(bodyText: string): { status?: string; message?: string; retryDelayMs?: number } {
  try {
    const error = (JSON.parse(bodyText) as GeminiErrorBody | GeminiErrorBody[]) ?? {};
    // Some Google front ends wrap the envelope in an array.
    const inner = Array.isArray(error) ? error[0]?.error : error.error;
    return {
      status: typeof inner?.status === 'string' ? inner.status : undefined,
      message: typeof inner?.message === 'string' ? inner.message.slice(0, MESSAGE_CHARS_MAX) : undefined,
      retryDelayMs: retryDelayMs(inner?.details),
    };
  } catch {
    return {};
  }
}

/** google.rpc.RetryInfo `retryDelay` ("7s", "0.5s") — Gemini's 429s carry it in the body rather than in Retry-After. */
function retryDelayMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<{ '@type'?: unknown; retryDelay?: unknown }>) {
    if (typeof detail?.retryDelay !== 'string') continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay);
    if (match && Number(match[1]) > 0) return Math.ceil(Number(match[1]) * 1_000);
  }
  return undefined;
}
