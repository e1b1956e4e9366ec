import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  const options = { failuresToOpen: 3, cooldownMs: 1_000 };

  it('stays closed below the threshold; a success resets the count', () => {
    const breaker = new CircuitBreaker(options);
    breaker.recordFailure(0);
    breaker.recordFailure(10);
    breaker.recordSuccess();
    breaker.recordFailure(20);
    breaker.recordFailure(30);
    expect(breaker.view(40)).toEqual({ state: 'closed', consecutiveFailures: 2, retryAtMs: null });
  });

  it('opens after N consecutive failures, half-opens after the cooldown, closes on a success', () => {
    const breaker = new CircuitBreaker(options);
    for (const atMs of [0, 10, 20]) breaker.recordFailure(atMs);
    expect(breaker.view(21)).toEqual({ state: 'open', consecutiveFailures: 3, retryAtMs: 1_020 });
    expect(breaker.state(1_019)).toBe('open');
    expect(breaker.view(1_020)).toEqual({ state: 'half_open', consecutiveFailures: 3, retryAtMs: 1_020 });
    breaker.recordSuccess();
    expect(breaker.view(1_030)).toEqual({ state: 'closed', consecutiveFailures: 0, retryAtMs: null });
  });

  it('a failed probe while half-open opens it again for a new cooldown', () => {
    const breaker = new CircuitBreaker(options);
    for (const atMs of [0, 10, 20]) breaker.recordFailure(atMs);
    breaker.recordFailure(1_500);
    expect(breaker.view(1_501)).toEqual({ state: 'open', consecutiveFailures: 4, retryAtMs: 2_500 });
    expect(breaker.state(2_500)).toBe('half_open');
  });

  it('late failures while open do not extend the cooldown', () => {
    const breaker = new CircuitBreaker(options);
    for (const atMs of [0, 10, 20, 500, 900]) breaker.recordFailure(atMs);
    expect(breaker.view(901).retryAtMs).toBe(1_020);
  });

  it('restores an open breaker from a previous snapshot', () => {
    const breaker = new CircuitBreaker(options);
    breaker.restoreOpen(5_000, 7);
    expect(breaker.view(4_000)).toEqual({ state: 'open', consecutiveFailures: 7, retryAtMs: 5_000 });
  });
});
