import type { EndpointHealth, RoutingConfig, RoutingSnapshot } from '@switchyard/contracts';
import type { EndpointPrice } from '@switchyard/pricing';
import type { HealthTracker } from '../health/health-tracker';

const NO_HEALTH = {
  samples: 0,
  successes: 0,
  failures: 0,
  successRate: null,
  latencyMs: null,
  ttftMs: null,
  uptimeLast5m: null,
  uptimeLast30m: null,
  breaker: { state: 'closed', consecutiveFailures: 0, retryAtMs: null },
} as const satisfies Omit<EndpointHealth, 'providerId' | 'modelId'>;

export interface SnapshotInputs {
  routerId: string;
  sequence: number;
  nowMs: number;
  healthWindowMs: number;
  /** Chat endpoints of the catalog, in catalog order. */
  catalog: readonly EndpointPrice[];
  health: HealthTracker;
  config: RoutingConfig;
}

/** The catalog in its order, each endpoint with its current health (none yet: no samples, breaker closed). */
export function buildRoutingSnapshot(inputs: SnapshotInputs): RoutingSnapshot {
  return {
    version: 1,
    routerId: inputs.routerId,
    sequence: inputs.sequence,
    publishedAtMs: inputs.nowMs,
    healthWindowMs: inputs.healthWindowMs,
    endpoints: inputs.catalog.map((e) => inputs.health.view(e.providerId, e.modelId, inputs.nowMs) ?? { providerId: e.providerId, modelId: e.modelId, ...NO_HEALTH, breaker: { ...NO_HEALTH.breaker } }),
    config: inputs.config,
  };
}
