import type { AppError } from '@switchyard/errors';

/**
 * What to do after an attempt failed before the first byte reached the client. Pure: the caller passes the failure,
 * what happened so far and (for tests) the random source; it sleeps `delayMs` and acts.
 */
export type RetryDecision =
  | { action: 'next_candidate'; delayMs: number }
  | { action: 'retry_same'; delayMs: number }
  | { action: 'give_up'; reason: 'not_retryable' | 'attempts_exhausted' | 'time_budget_exhausted' | 'retry_after_too_long' | 'no_candidate_left' };

export interface RetryPolicyOptions {
  /** Attempts per request across all candidates (the first one included). */
  attemptsMax: number;
  /** Extra attempts on one endpoint, when it is the last candidate left. */
  sameEndpointRetriesMax: number;
  /** Backoff: a random delay in [0, min(base × 2^(n-1), max)] ("full jitter"). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A `Retry-After` longer than this is not waited for (the request gives up or moves on). */
  retryAfterMaxMs: number;
  /** No retry starts after this much time since the request began (the client is waiting). */
  timeBudgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  attemptsMax: 6,
  sameEndpointRetriesMax: 2,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  // The client is waiting: a longer Retry-After is passed on (429 with it) rather than slept through.
  retryAfterMaxMs: 2_000,
  timeBudgetMs: 30_000,
};

export interface RetryContext {
  /** The failure of the attempt just made (`details.upstream_status`: the provider's HTTP status, when it answered). */
  error: Pick<AppError, 'code' | 'retryAfterMs'> & { details?: Record<string, unknown> };
  /** Attempts made so far in this request (≥ 1). */
  attemptsMade: number;
  /** Attempts made so far on the endpoint that just failed (≥ 1). */
  attemptsOnThisEndpoint: number;
  /** Whether another candidate endpoint remains to be tried. */
  hasNextCandidate: boolean;
  /** Time since the request started. */
  elapsedMs: number;
}

/** Upstream statuses that mean "no" rather than "not now": another endpoint may serve, this one will not. */
const REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 404, 422]);

/** Failures worth another attempt; the same set the pipeline falls over on. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['upstream_rate_limited', 'upstream_error', 'upstream_timeout', 'service_unavailable']);

/**
 * Before the first byte only:
 * - not retryable (a 400, the client's abort, an unaffordable request): give up;
 * - another candidate remains: move to it (another endpoint, with health of its own) at once; once more than half of
 *   the attempts are spent, with a jittered backoff, so a request does not hammer a struggling region;
 * - last candidate: retry it after its `Retry-After` (plus a little jitter; longer than the cap → give up) or an
 *   exponential backoff with full jitter, at most `sameEndpointRetriesMax` times; a timed-out endpoint is not retried
 *   (it already cost a whole timeout), nor one that refused the request (401, 403, …);
 * - no attempt starts once the time budget is spent, and no wait may run past it.
 */
export function decideRetry(context: RetryContext, options: RetryPolicyOptions = DEFAULT_RETRY_POLICY, random: () => number = Math.random): RetryDecision {
  const { error } = context;
  if (!RETRYABLE_CODES.has(error.code)) return { action: 'give_up', reason: 'not_retryable' };
  if (context.attemptsMade >= options.attemptsMax) return { action: 'give_up', reason: 'attempts_exhausted' };
  const remainingMs = options.timeBudgetMs - context.elapsedMs;
  if (remainingMs <= 0) return { action: 'give_up', reason: 'time_budget_exhausted' };

  if (context.hasNextCandidate) {
    const delayMs = context.attemptsMade * 2 > options.attemptsMax ? backoffMs(context.attemptsMade - Math.floor(options.attemptsMax / 2), options, random) : 0;
    return delayMs < remainingMs ? { action: 'next_candidate', delayMs } : { action: 'next_candidate', delayMs: 0 };
  }
  if (error.code === 'upstream_timeout') return { action: 'give_up', reason: 'no_candidate_left' };
  // The provider refused the request itself (our key, a permission, the body): asking again changes nothing.
  if (REFUSALS.has(Number(error.details?.upstream_status))) return { action: 'give_up', reason: 'no_candidate_left' };
  if (context.attemptsOnThisEndpoint > options.sameEndpointRetriesMax) return { action: 'give_up', reason: 'no_candidate_left' };
  let delayMs: number;
  if (error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > options.retryAfterMaxMs) return { action: 'give_up', reason: 'retry_after_too_long' };
    // Honour the provider's wait, plus a little jitter so replicas do not return at the same instant.
    delayMs = error.retryAfterMs + Math.floor(random() * Math.min(options.backoffBaseMs, error.retryAfterMs / 10 + 1));
  } else {
    delayMs = backoffMs(context.attemptsOnThisEndpoint, options, random);
  }
  if (delayMs >= remainingMs) return { action: 'give_up', reason: 'time_budget_exhausted' };
  return { action: 'retry_same', delayMs };
}

/** Full jitter: uniform in [0, min(base × 2^(n-1), max)] for the n-th retry. */
export function backoffMs(retry: number, options: Pick<RetryPolicyOptions, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.backoffBaseMs * 2 ** Math.max(0, retry - 1), options.backoffMaxMs);
  return Math.floor(random() * ceiling);
}

/** Waits `delayMs`, or less if the client goes away first (the caller then sees the aborted signal). */
export function sleepUnlessAborted(delayMs: number, signal: AbortSignal): Promise<void> {
  if (delayMs <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, delayMs);
    signal.addEventListener('abort', done, { once: true });
  });
}
