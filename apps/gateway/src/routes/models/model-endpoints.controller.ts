import { Controller, Get, Param } from '@nestjs/common';
import type { PercentilesMs } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { RouteCandidatesService } from '../../completion/route-candidates.service';
import { breakerState, type RoutableEndpoint } from '../../completion/routing-table';
import { usdPerToken } from './models.controller';

/**
 * `GET /api/v1/models/{author}/{slug}/endpoints` (public, like OpenRouter's): each enabled provider endpoint of a model
 * with its price, context, capabilities and live health (uptime, TTFT and latency percentiles, success rate, breaker)
 * from the router snapshot the gateway routes with. Without a snapshot the health fields are null. `requires_own_key`:
 * the operator has no key for the provider, so only a workspace that stored its own key for it is served there.
 */
@Controller()
export class ModelEndpointsController {
  constructor(private readonly routes: RouteCandidatesService) {}

  @Get(['api/v1/models/:author/:slug/endpoints', 'v1/models/:author/:slug/endpoints'])
  endpoints(@Param('author') author: string, @Param('slug') slug: string) {
    const modelId = `${author}/${slug}`;
    const table = this.routes.routingTable();
    const endpoints = table.endpointsOf(modelId);
    if (endpoints.length === 0) throw new AppError('model_not_found', `The model '${modelId}' does not exist or no enabled provider serves it.`, { param: 'model' });
    const nowMs = Date.now();
    const snapshot = table.snapshot;
    return {
      data: {
        id: modelId,
        routing_snapshot: snapshot ? { router_id: snapshot.routerId, published_at: new Date(snapshot.publishedAtMs).toISOString(), age_ms: Math.max(0, nowMs - snapshot.publishedAtMs), health_window_ms: snapshot.healthWindowMs } : null,
        endpoints: endpoints.map((endpoint) => ({ ...this.endpointView(endpoint, nowMs), requires_own_key: table.needsOwnKey(endpoint.price.providerId) })),
      },
    };
  }

  private endpointView(endpoint: RoutableEndpoint, nowMs: number) {
    const { price, health } = endpoint;
    return {
      name: `${price.providerId} | ${price.modelId}`,
      provider_name: price.providerId,
      model_id: price.modelId,
      context_length: price.contextTokensMax,
      max_completion_tokens: price.outputTokensMax,
      supported_parameters: [...price.supports].sort(),
      pricing: {
        prompt: usdPerToken(price.inputMicrosPerMtok),
        completion: usdPerToken(price.outputMicrosPerMtok),
        input_cache_read: usdPerToken(price.cacheReadMicrosPerMtok),
        request: usdPerToken(price.requestMicros * 1_000_000n),
        prompt_micros_per_mtok: price.inputMicrosPerMtok.toString(),
        completion_micros_per_mtok: price.outputMicrosPerMtok.toString(),
      },
      uptime_last_5m: health?.uptimeLast5m ?? null,
      uptime_last_30m: health?.uptimeLast30m ?? null,
      success_rate: health?.successRate ?? null,
      samples: health?.samples ?? 0,
      /** Time to first token, as OpenRouter's `latency_last_30m`. */
      latency: percentiles(health?.ttftMs),
      latency_total: percentiles(health?.latencyMs),
      breaker: {
        state: breakerState(endpoint, nowMs),
        consecutive_failures: health?.breaker.consecutiveFailures ?? 0,
        retry_at: endpoint.breaker.retryAtMs !== null ? new Date(endpoint.breaker.retryAtMs).toISOString() : null,
      },
    };
  }
}

function percentiles(value: PercentilesMs | null | undefined) {
  return value ? { p50: value.p50, p75: value.p75, p90: value.p90, p99: value.p99 } : null;
}
