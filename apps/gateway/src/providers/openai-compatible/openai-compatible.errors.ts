import { AppError } from '@switchyard/errors';
import { retryAfterHeaderMs, upstreamDetails } from '../upstream-error';

/** OpenAI's `{error: {...}}`, or the flat `{object: "error", message}` of Mistral and vLLM. */
interface OpenAiErrorBody {
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } | string;
  message?: unknown;
}

/** How compatible servers word a context overflow when they send no `context_length_exceeded` code. */
const CONTEXT_LENGTH_MESSAGE = /maximum context length|context length|context window|too large for model|exceed_context_size/i;

/**
 * Upstream HTTP status → our error table. The provider's message is kept only for errors the caller caused
 * (4xx other than auth); never for auth failures (their bodies quote our key) or server errors.
 */
export function openAiCompatibleHttpError(statusCode: number, bodyText: string, retryAfter: string | undefined, provider: string): AppError {
  const details = upstreamDetails(provider, statusCode);
  const parsed = parseErrorBody(bodyText);
  if (statusCode === 429) {
    return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { retryAfterMs: retryAfterHeaderMs(retryAfter), details });
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
  if (parsed.code === 'context_length_exceeded' || (statusCode === 400 && CONTEXT_LENGTH_MESSAGE.test(`${parsed.type ?? ''} ${parsed.message ?? ''}`))) return new AppError('context_length_exceeded', message, { param: param ?? 'messages', details });
  if (statusCode === 413) return new AppError('request_too_large', message, { param, details });
  return new AppError('invalid_request', message, { param, details });
}

function parseErrorBody(bodyText: string): { message?: string; code?: string; type?: string; param?: string } {
  try {
    const parsed = JSON.parse(bodyText) as OpenAiErrorBody;
    const error = typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : {};
    const message = typeof error.message === 'string' ? error.message : typeof parsed.error === 'string' ? parsed.error : parsed.message;
    return {
      message: typeof message === 'string' ? message.slice(0, 1_000) : undefined,
      code: typeof error.code === 'string' ? error.code : undefined,
      type: typeof error.type === 'string' ? error.type : undefined,
      param: typeof error.param === 'string' ? error.param : undefined,
    };
  } catch {
    return {};
  }
}
