import { AppError } from '@switchyard/errors';

/** What every upstream error carries to the client (`error.details`): which provider, which upstream status. */
export function upstreamDetails(provider: string, upstreamStatus: number | null): { provider: string; upstream_status: number | null } {
  return { provider, upstream_status: upstreamStatus };
}

/** Errors without an upstream status (connect failures, broken streams) still name the provider. */
export function withProvider(error: AppError, provider: string, upstreamStatus: number | null = null): AppError {
  if (error.details && 'provider' in error.details) return error;
  return new AppError(error.code, error.message, {
    param: error.param,
    cause: error.cause,
    retryAfterMs: error.retryAfterMs,
    suggestedAction: error.suggestedAction,
    details: { ...upstreamDetails(provider, upstreamStatus), ...(error.details ?? {}) },
  });
}

/**
 * `Retry-After` in (possibly fractional) seconds, rounded up to whole milliseconds, or as an HTTP date → milliseconds
 * from now (undefined when absent, not positive or unusable).
 */
export function retryAfterHeaderMs(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds * 1_000);
  const date = Date.parse(header);
  if (Number.isFinite(date)) {
    const ms = date - nowMs;
    return ms > 0 ? ms : undefined;
  }
  return undefined;
}
