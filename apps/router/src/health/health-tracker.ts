import type { EndpointHealth, EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { EndpointHealthWindow, type EndpointHealthOptions, type HealthSample } from './endpoint-health';

type RequestCompleted = EventPayload<typeof GatewayRequestCompleted>;
type Attempt = RequestCompleted['attempts'][number];

/** Failures that say the endpoint is unwell (what the gateway falls over on); a 400 or an unaffordable request says nothing. */
const ENDPOINT_FAULT_CODES: ReadonlySet<string> = new Set(['upstream_rate_limited', 'upstream_error', 'upstream_timeout', 'service_unavailable']);

/** Request ids already counted, so a redelivered event is not counted twice (bounded; oldest forgotten first). */
const SEEN_REQUESTS_MAX = 50_000;

/** The health sample an attempt gives, or undefined when it says nothing about the endpoint (client abort, 4xx). */
export function healthSample(attempt: Attempt, atMs: number): HealthSample | undefined {
  if (attempt.outcome === 'succeeded') return { atMs, succeeded: true, latencyMs: attempt.latencyMs, ttftMs: attempt.ttftMs };
  if (attempt.outcome === 'failed' && attempt.errorCode !== undefined && ENDPOINT_FAULT_CODES.has(attempt.errorCode)) {
    return { atMs, succeeded: false, latencyMs: attempt.latencyMs, ttftMs: undefined };
  }
  return undefined;
}

/** Health of every endpoint the gateways have tried, from their `gateway.request.completed` attempts. */
export class HealthTracker {
  private readonly endpoints = new Map<string, EndpointHealthWindow>();
  private readonly seen = new Set<string>();
  private version = 0;

  constructor(private readonly options: EndpointHealthOptions) {}

  /** Counts a completed request's attempts; events older than the window (a replay) are skipped. Returns whether anything changed. */
  recordCompleted(event: RequestCompleted, nowMs: number): boolean {
    if (this.seen.has(event.requestId)) return false;
    this.remember(event.requestId);
    const atMs = Date.parse(event.completedAt);
    if (!Number.isFinite(atMs) || atMs < nowMs - this.options.windowMs) return false;
    let changed = false;
    for (const attempt of event.attempts) {
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

  private remember(requestId: string): void {
    if (this.seen.size >= SEEN_REQUESTS_MAX) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(requestId);
  }
}

export function endpointKey(providerId: string, modelId: string): string {
  return `${providerId}|${modelId}`;
}
