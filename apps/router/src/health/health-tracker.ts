import type { EndpointHealth, ObservedAttempt } from '@switchyard/contracts';
import { EndpointHealthWindow, type EndpointHealthOptions, type HealthSample } from './endpoint-health';

type Attempt = Omit<ObservedAttempt, 'completedAt'>;

/** Failures that say the endpoint is unwell (what the gateway falls over on); a 400 or an unaffordable request says nothing. */
const ENDPOINT_FAULT_CODES: ReadonlySet<string> = new Set(['upstream_rate_limited', 'upstream_error', 'upstream_timeout', 'service_unavailable']);

/** The health sample an attempt gives, or undefined when it says nothing about the endpoint (client abort, 4xx). */
export function healthSample(attempt: Attempt, atMs: number): HealthSample | undefined {
  if (attempt.outcome === 'succeeded') return { atMs, succeeded: true, latencyMs: attempt.latencyMs, ttftMs: attempt.ttftMs };
  if (attempt.outcome === 'failed' && attempt.errorCode !== undefined && ENDPOINT_FAULT_CODES.has(attempt.errorCode)) {
    return { atMs, succeeded: false, latencyMs: attempt.latencyMs, ttftMs: undefined };
  }
  return undefined;
}

/** Health of every endpoint the gateways have tried, from the attempts they report (`gateway.attempts.observed`). */
export class HealthTracker {
  private readonly endpoints = new Map<string, EndpointHealthWindow>();
  private version = 0;

  constructor(private readonly options: EndpointHealthOptions) {}

  /** Counts the attempts of a gateway's report; those older than the window are skipped. Returns whether anything changed. */
  recordAttempts(attempts: readonly ObservedAttempt[], nowMs: number): boolean {
    let changed = false;
    for (const attempt of attempts) {
      const atMs = Date.parse(attempt.completedAt);
      if (!Number.isFinite(atMs) || atMs < nowMs - this.options.windowMs) continue;
      const sample = healthSample(attempt, Math.min(atMs, nowMs));
      if (!sample) continue;
      this.window(attempt.providerId, attempt.modelId).record(sample);
      changed = true;
    }
    if (changed) this.version += 1;
    return changed;
  }

  /** Re-opens breakers a previous router process had open (from its last snapshot), so a restart does not forget them. */
  restoreOpenBreakers(endpoints: readonly EndpointHealth[], nowMs: number): void {
    for (const endpoint of endpoints) {
      const { state, retryAtMs, consecutiveFailures } = endpoint.breaker;
      if (state === 'open' && retryAtMs !== null && retryAtMs > nowMs) this.window(endpoint.providerId, endpoint.modelId).restoreOpenBreaker(retryAtMs, consecutiveFailures);
    }
  }

  /** Grows with every counted attempt: the snapshot publisher republishes when it moved. */
  get changeVersion(): number {
    return this.version;
  }

  view(providerId: string, modelId: string, nowMs: number): EndpointHealth | undefined {
    return this.endpoints.get(endpointKey(providerId, modelId))?.view(nowMs);
  }

  private window(providerId: string, modelId: string): EndpointHealthWindow {
    const key = endpointKey(providerId, modelId);
    let window = this.endpoints.get(key);
    if (!window) {
      window = new EndpointHealthWindow(providerId, modelId, this.options);
      this.endpoints.set(key, window);
    }
    return window;
  }
}

export function endpointKey(providerId: string, modelId: string): string {
  return `${providerId}|${modelId}`;
}
