import type { BreakerState } from '@switchyard/contracts';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed breaker. */
  failuresToOpen: number;
  /** How long an open breaker stays open before it half-opens. */
  cooldownMs: number;
}

export interface BreakerView {
  state: BreakerState;
  consecutiveFailures: number;
  /** While open: when it half-opens (epoch ms). */
  retryAtMs: number | null;
}

/**
 * One endpoint's circuit breaker, driven by attempt outcomes with their own timestamps (events may arrive late):
 * closed --N consecutive failures--> open --cooldown--> half_open --success--> closed
 *                                                       half_open --failure--> open (a new cooldown)
 * Any success closes it (a request that got through proves the endpoint serves).
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedUntilMs: number | null = null;

  constructor(private readonly options: CircuitBreakerOptions) {}

  state(nowMs: number): BreakerState {
    if (this.openedUntilMs === null) return 'closed';
    return nowMs < this.openedUntilMs ? 'open' : 'half_open';
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedUntilMs = null;
  }

  recordFailure(atMs: number): void {
    this.consecutiveFailures += 1;
    const state = this.state(atMs);
    if (state === 'half_open' || (state === 'closed' && this.consecutiveFailures >= this.options.failuresToOpen)) {
      this.openedUntilMs = atMs + this.options.cooldownMs;
    }
  }

  /** Restores an open breaker from a published snapshot (after a router restart). */
  restoreOpen(retryAtMs: number, consecutiveFailures: number): void {
    this.openedUntilMs = retryAtMs;
    this.consecutiveFailures = consecutiveFailures;
  }

  view(nowMs: number): BreakerView {
    const state = this.state(nowMs);
    return { state, consecutiveFailures: this.consecutiveFailures, retryAtMs: state === 'closed' ? null : this.openedUntilMs };
  }
}
