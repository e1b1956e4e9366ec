import type { ObservedAttempt } from '@switchyard/contracts';
import { HealthTracker } from './health-tracker';

type Attempt = Omit<ObservedAttempt, 'completedAt'>;

const NOW_MS = Date.parse('2025-06-01T12:00:00Z');
/** The attempts of one completed request, as a gateway reports them. */
const completed = (attempts: Attempt[], atMs = NOW_MS): ObservedAttempt[] => attempts.map((attempt) => ({ ...attempt, completedAt: new Date(atMs).toISOString() }));
const ok = (providerId: string, latencyMs: number, ttftMs?: number): Attempt => ({ providerId, modelId: 'acme/chat', outcome: 'succeeded', latencyMs, ttftMs });
const failed = (providerId: string, errorCode: string, httpStatus?: number): Attempt => ({ providerId, modelId: 'acme/chat', outcome: 'failed', errorCode, httpStatus, latencyMs: 5 });

const tracker = (samplesMax = 200) => new HealthTracker({ windowMs: 60_000, samplesMax, breaker: { failuresToOpen: 3, cooldownMs: 5_000 } });

describe('HealthTracker', () => {
  it('keeps latency and TTFT percentiles and the success rate per endpoint; TTFT of a non-streamed answer is its latency', () => {
    const health = tracker();
    for (let i = 1; i <= 100; i++) health.recordAttempts(completed([ok('alpha', i * 10, i % 2 ? i : undefined)]), NOW_MS);
    health.recordAttempts(completed([failed('alpha', 'upstream_error', 503), ok('beta', 40)]), NOW_MS);
    const alpha = health.view('alpha', 'acme/chat', NOW_MS);
    expect(alpha).toMatchObject({ samples: 101, successes: 100, failures: 1, latencyMs: { p50: 500, p75: 750, p90: 900, p99: 990 } });
    expect(alpha?.successRate).toBeCloseTo(100 / 101);
    // odd i streamed (TTFT i ms), even i did not (TTFT = latency = 10i ms): 54 of the 100 are under 100 ms, the 50th is 91
    expect(alpha?.ttftMs?.p50).toBe(91);
    expect(health.view('beta', 'acme/chat', NOW_MS)).toMatchObject({ samples: 1, successRate: 1, uptimeLast5m: 1 });
  });

  it('keeps at most samplesMax recent samples per endpoint (a ring: the oldest goes)', () => {
    const health = tracker(16);
    for (let i = 1; i <= 20; i++) health.recordAttempts(completed([ok('alpha', i)]), NOW_MS);
    expect(health.view('alpha', 'acme/chat', NOW_MS)).toMatchObject({ samples: 16, latencyMs: { p50: 12, p99: 20 } });
  });

  it('counts only failures the endpoint owns (429/5xx/timeouts), never 4xx, unaffordable requests or client aborts', () => {
    const health = tracker();
    health.recordAttempts(
      completed([failed('alpha', 'invalid_request', 400), failed('alpha', 'insufficient_balance'), { ...ok('alpha', 10), outcome: 'aborted' }, failed('alpha', 'context_length_exceeded', 400)]),
      NOW_MS,
    );
    expect(health.view('alpha', 'acme/chat', NOW_MS)).toBeUndefined();
    health.recordAttempts(completed([failed('alpha', 'upstream_rate_limited', 429), failed('alpha', 'upstream_timeout')]), NOW_MS);
    expect(health.view('alpha', 'acme/chat', NOW_MS)).toMatchObject({ samples: 2, failures: 2, successRate: 0 });
  });

  it('ignores attempts older than the window, and reports each change', () => {
    const health = tracker();
    expect(health.recordAttempts(completed([ok('alpha', 10)]), NOW_MS)).toBe(true);
    expect(health.recordAttempts([], NOW_MS)).toBe(false);
    expect(health.recordAttempts(completed([ok('alpha', 10)], NOW_MS - 61_000), NOW_MS)).toBe(false);
    expect(health.view('alpha', 'acme/chat', NOW_MS)?.samples).toBe(1);
    expect(health.changeVersion).toBe(1);
  });

  it('opens the breaker after repeated failures, half-opens after the cooldown and closes on a success', () => {
    const health = tracker();
    for (let i = 0; i < 3; i++) health.recordAttempts(completed([failed('alpha', 'upstream_error', 503), ok('beta', 20)], NOW_MS + i), NOW_MS + i);
    expect(health.view('alpha', 'acme/chat', NOW_MS + 10)?.breaker).toEqual({ state: 'open', consecutiveFailures: 3, retryAtMs: NOW_MS + 2 + 5_000 });
    expect(health.view('alpha', 'acme/chat', NOW_MS + 5_002)?.breaker.state).toBe('half_open');
    health.recordAttempts(completed([ok('alpha', 15)], NOW_MS + 5_100), NOW_MS + 5_100);
    expect(health.view('alpha', 'acme/chat', NOW_MS + 5_100)?.breaker).toEqual({ state: 'closed', consecutiveFailures: 0, retryAtMs: null });
    expect(health.view('beta', 'acme/chat', NOW_MS + 5_100)?.breaker.state).toBe('closed');
  });

  it('a restarted router restores the open breakers of the last snapshot', () => {
    const before = tracker();
    for (let i = 0; i < 3; i++) before.recordAttempts(completed([failed('alpha', 'upstream_error', 503)]), NOW_MS);
    const published = before.view('alpha', 'acme/chat', NOW_MS);
    const after = tracker();
    after.restoreOpenBreakers(published ? [published] : [], NOW_MS + 100);
    expect(after.view('alpha', 'acme/chat', NOW_MS + 100)?.breaker).toMatchObject({ state: 'open', retryAtMs: NOW_MS + 5_000 });
  });
});
