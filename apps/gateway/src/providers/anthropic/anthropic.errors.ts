import { AppError } from '@switchyard/errors';
import { retryAfterHeaderMs as retryAfterMs } from '../upstream-error';

const MESSAGE_CHARS_MAX = 1_000;

interface AnthropicErrorBody {
  type?: string;
  error?: { type?: string; message?: unknown };
}

/** Upstream HTTP status → our error table. Only genuine caller mistakes keep Anthropic's message. */
export function anthropicHttpError(statusCode: number, bodyText: string, retryAfter: string | undefined): AppError {
  const { type, message } = parseError(bodyText);
  const details = { upstream_status: statusCode, ...(type ? { upstream_type: type } : {}) };
  if (statusCode === 429) {
    return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { retryAfterMs: retryAfterMs(retryAfter), details });
  }
  if (statusCode === 529) return new AppError('upstream_error', 'The provider is overloaded.', { details });
  if (statusCode === 408 || statusCode === 504) return new AppError('upstream_timeout', 'The provider timed out.', { details });
  if (statusCode >= 500) return new AppError('upstream_error', 'The provider returned an error.', { details });
  // Our key, our account, our model mapping: never the caller's fault.
  if (statusCode === 401 || statusCode === 403) return new AppError('upstream_error', 'The provider rejected the gateway credentials.', { details });
  if (statusCode === 404) return new AppError('upstream_error', 'The provider does not know the configured model.', { details });
  if (message && /credit balance is too low/i.test(message)) return new AppError('upstream_error', 'The provider account cannot serve requests right now.', { details });
  if (statusCode === 413) return new AppError('request_too_large', 'The request is too large for the provider.', { details });
  if (message && /prompt is too long/i.test(message)) {
    return new AppError('invalid_request', `The prompt is too long for this model: ${message}`, { param: 'messages', details });
  }
  return new AppError('invalid_request', message ?? `The provider rejected the request (HTTP ${statusCode}).`, { details });
}

/** An `error` event inside a 200 stream (e.g. `overloaded_error`). */
export function anthropicStreamError(error: { type?: string; message?: unknown } | undefined): AppError {
  const type = error?.type;
  const message = typeof error?.message === 'string' ? error.message.slice(0, 500) : 'unknown error';
  const details = type ? { upstream_type: type } : undefined;
  if (type === 'rate_limit_error') return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', { details });
  if (type === 'overloaded_error') return new AppError('upstream_error', 'The provider is overloaded.', { details });
  return new AppError('upstream_error', `The provider failed mid-stream: ${message}`, { details });
}

function parseError(bodyText: string): { type?: string; message?: string } {
  try {
    const parsed = JSON.parse(bodyText) as AnthropicErrorBody;
    return {
      type: typeof parsed.error?.type === 'string' ? parsed.error.type : undefined,
      message: typeof parsed.error?.message === 'string' ? parsed.error.message.slice(0, MESSAGE_CHARS_MAX) : undefined,
    };
  } catch {
    return {};
  }
}
