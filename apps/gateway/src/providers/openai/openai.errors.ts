import { AppError } from '@switchyard/errors';
import { upstreamDetails } from '../upstream-error';

interface OpenAiErrorBody {
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown };
}

/**
 * Upstream HTTP status → our error table. The provider's message is kept only for errors the caller caused
 * (4xx other than auth); never for auth failures (their bodies quote our key) or server errors.
 */
export function openAiHttpError(statusCode: number, bodyText: string, retryAfter: string | undefined, provider = 'openai'): AppError {
  const details = upstreamDetails(provider, statusCode);
  const parsed = parseErrorBody(bodyText);
  if (statusCode === 429) {
    return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { retryAfterMs: retryAfterMs(retryAfter), details });
  }
  if (statusCode === 408 || statusCode === 504) return new AppError('upstream_timeout', 'The provider timed out.', { details });
  if (statusCode >= 500) return new AppError('upstream_error', 'The provider returned an error.', { details });
  if (statusCode === 401 || statusCode === 403) {
    return new AppError('upstream_error', 'The provider rejected the gateway credentials; this is not a problem with your request or your API key.', { details });
  }
  // A 404 for our upstream model name is our misconfiguration, not the caller's mistake.
  if (statusCode === 404) return new AppError('upstream_error', 'The provider does not serve the configured model.', { details });
  const message = parsed.message ?? `The provider rejected the request (HTTP ${statusCode}).`;
  const param = typeof parsed.param === 'string' ? parsed.param : null;
  if (parsed.code === 'context_length_exceeded') return new AppError('context_length_exceeded', message, { param: param ?? 'messages', details });
  if (statusCode === 413) return new AppError('request_too_large', message, { param, details });
  return new AppError('invalid_request', message, { param, details });
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds (undefined when absent or unusable). */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1_000 : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > nowMs ? at - nowMs : undefined;
}

function parseErrorBody(bodyText: string): { message?: string; code?: string; param?: string } {
  try {
    const error = (JSON.parse(bodyText) as OpenAiErrorBody).error;
    return {
      message: typeof error?.message === 'string' ? error.message.slice(0, 1_000) : undefined,
      code: typeof error?.code === 'string' ? error.code : undefined,
      param: typeof error?.param === 'string' ? error.param : undefined,
    };
  } catch {
    return {};
  }
}
