import type { Capability, EndpointPrice } from '@switchyard/pricing';
import type { EndpointHealth, RoutingConfig, RoutingSnapshot } from '@switchyard/contracts';

/** A catalog endpoint for tests and benchmarks: prices in micro-USD per million tokens. */
export function scriptedEndpoint(
  providerId: string,
  modelId: string,
  inputMicrosPerMtok: number,
  outputMicrosPerMtok: number,
  options: { supports?: Capability[]; contextTokensMax?: number; autoRouting?: 'candidate' | 'last_resort' } = {},
): EndpointPrice {
  return {
    modelId,
    providerId,
    upstreamModel: `${modelId.split('/')[1]}-upstream`,
    inputMicrosPerMtok: BigInt(inputMicrosPerMtok),
    outputMicrosPerMtok: BigInt(outputMicrosPerMtok),
    cacheReadMicrosPerMtok: BigInt(inputMicrosPerMtok),
    cacheWriteMicrosPerMtok: BigInt(inputMicrosPerMtok),
    reasoningMicrosPerMtok: BigInt(outputMicrosPerMtok),
    requestMicros: 0n,
    imageMicros: 0n,
    contextTokensMax: options.contextTokensMax ?? 128_000,
    outputTokensMax: 8_192,
    supports: new Set(options.supports ?? ['tools', 'json_object']),
    autoRouting: options.autoRouting,
  };
}

export interface ScriptedHealth {
  successes?: number;
  failures?: number;
  ttftP50Ms?: number;
  breaker?: EndpointHealth['breaker'];
}

/** The health a router would publish for an endpoint after these outcomes. */
export function scriptedHealth(providerId: string, modelId: string, health: ScriptedHealth): EndpointHealth {
  const successes = health.successes ?? 0;
  const failures = health.failures ?? 0;
  const samples = successes + failures;
  const ttft = health.ttftP50Ms;
  return {
    providerId,
    modelId,
    samples,
    successes,
    failures,
    successRate: samples ? successes / samples : null,
    latencyMs: ttft === undefined ? null : { p50: ttft * 2, p75: ttft * 3, p90: ttft * 4, p99: ttft * 5 },
    ttftMs: ttft === undefined ? null : { p50: ttft, p75: ttft + 10, p90: ttft + 20, p99: ttft + 30 },
    uptimeLast5m: samples ? successes / samples : null,
    uptimeLast30m: samples ? successes / samples : null,
    breaker: health.breaker ?? { state: 'closed', consecutiveFailures: 0, retryAtMs: null },
  };
}

export const SCRIPTED_CONFIG: RoutingConfig = {
  tiers: { simple: ['acme/small'], medium: ['acme/mid'], complex: ['acme/large'], reasoning: ['acme/thinker'] },
  providers: { localbox: { dataCollection: 'none' } },
};

export function scriptedSnapshot(endpoints: EndpointHealth[], config: RoutingConfig = SCRIPTED_CONFIG, publishedAtMs = 1_000): RoutingSnapshot {
  return { version: 1, routerId: 'router-test', sequence: 1, publishedAtMs, healthWindowMs: 300_000, endpoints, config };
}
