import { backoffMs, decideRetry, DEFAULT_RETRY_POLICY, type RetryContext } from './retry-policy';

const context = (overrides: Partial<RetryContext> & { code?: string; retryAfterMs?: number; details?: Record<string, unknown> } = {}): RetryContext => {
  const { code = 'upstream_error', retryAfterMs, details, ...rest } = overrides;
  return { error: { code: code as RetryContext['error']['code'], retryAfterMs, details }, attemptsMade: 1, attemptsOnThisEndpoint: 1, hasNextCandidate: true, elapsedMs: 100, ...rest };
};
const half = () => 0.5;

describe('decideRetry', () => {
  it('gives up on what retrying cannot fix', () => {
    for (const code of ['invalid_request', 'context_length_exceeded', 'insufficient_balance', 'internal']) {
      expect(decideRetry(context({ code }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'not_retryable' });
    }
  });

  it('moves to the next candidate at once on 429, 5xx and timeouts (another endpoint, its own health)', () => {
    for (const code of ['upstream_rate_limited', 'upstream_error', 'upstream_timeout', 'service_unavailable']) {
      expect(decideRetry(context({ code, retryAfterMs: 7_000 }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'next_candidate', delayMs: 0 });
    }
  });

  it('backs off (with jitter) between candidates once more than half of the attempts are spent', () => {
    const decision = decideRetry(context({ attemptsMade: 4 }), DEFAULT_RETRY_POLICY, half);
    expect(decision).toEqual({ action: 'next_candidate', delayMs: 100 }); // retry 1: jitter in [0, 200) × 0.5
  });

  it('on the last candidate honours Retry-After (plus jitter), and gives up when it is longer than the cap', () => {
    expect(decideRetry(context({ code: 'upstream_rate_limited', retryAfterMs: 2_000, hasNextCandidate: false }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'retry_same', delayMs: 2_100 });
    expect(decideRetry(context({ code: 'upstream_rate_limited', retryAfterMs: 60_000, hasNextCandidate: false }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'retry_after_too_long' });
  });

  it('on the last candidate retries a 5xx with exponential backoff and full jitter, a bounded number of times', () => {
    const last = { hasNextCandidate: false };
    expect(decideRetry(context({ ...last, attemptsOnThisEndpoint: 1 }), DEFAULT_RETRY_POLICY, () => 0.999)).toEqual({ action: 'retry_same', delayMs: 199 });
    expect(decideRetry(context({ ...last, attemptsOnThisEndpoint: 2, attemptsMade: 2 }), DEFAULT_RETRY_POLICY, () => 0.999)).toEqual({ action: 'retry_same', delayMs: 399 });
    expect(decideRetry(context({ ...last, attemptsOnThisEndpoint: 3, attemptsMade: 3 }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'no_candidate_left' });
    expect(decideRetry(context({ ...last, code: 'upstream_timeout' }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'no_candidate_left' });
  });

  it('respects the attempt cap and the time budget', () => {
    expect(decideRetry(context({ attemptsMade: 6 }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'attempts_exhausted' });
    expect(decideRetry(context({ elapsedMs: 30_000 }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'time_budget_exhausted' });
    expect(decideRetry(context({ code: 'upstream_rate_limited', retryAfterMs: 1_500, hasNextCandidate: false, elapsedMs: 29_000 }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'time_budget_exhausted' });
  });

  it('backoff grows by doubling up to the cap; the jitter spans the whole range', () => {
    const options = { backoffBaseMs: 100, backoffMaxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, options, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(3, options, () => 0)).toBe(0);
  });

  it('does not retry an endpoint that refused the request (our key, a permission), but moves on if it can', () => {
    const refused = { code: 'upstream_error' as const, details: { provider: 'openai', upstream_status: 401 } };
    expect(decideRetry(context({ ...refused, hasNextCandidate: false }), DEFAULT_RETRY_POLICY, half)).toEqual({ action: 'give_up', reason: 'no_candidate_left' });
    expect(decideRetry(context({ ...refused, hasNextCandidate: true }), DEFAULT_RETRY_POLICY, half)).toMatchObject({ action: 'next_candidate' });
  });
});
