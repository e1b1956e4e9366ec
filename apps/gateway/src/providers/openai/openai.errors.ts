import { AppError } from '@switchyard/errors';

/** Upstream HTTP status → our error table; the provider's message is kept only for client errors. */
export function openAiHttpError(statusCode: number, bodyText: string, retryAfter: string | undefined): AppError {
  const upstreamMessage = extractMessage(bodyText);
  if (statusCode === 429) {
    const seconds = Number(retryAfter);
    return new AppError('upstream_rate_limited', 'The provider is rate limiting requests.', {
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000 : undefined,
      details: { upstream_status: statusCode },
    });
  }
  if (statusCode === 408 || statusCode === 504) return new AppError('upstream_timeout', 'The provider timed out.', { details: { upstream_status: statusCode } });
  if (statusCode >= 500) return new AppError('upstream_error', 'The provider returned an error.', { details: { upstream_status: statusCode } });
  if (statusCode === 401 || statusCode === 403) return new AppError('upstream_error', 'The provider rejected the gateway credentials.', { details: { upstream_status: statusCode } });
  return new AppError('invalid_request', upstreamMessage ?? `The provider rejected the request (HTTP ${statusCode}).`, { details: { upstream_status: statusCode } });
}

function extractMessage(bodyText: string): string | undefined {
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message.slice(0, 1_000) : undefined;
  } catch {
    return undefined;
  }
}
