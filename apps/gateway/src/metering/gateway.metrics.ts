import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestCompletedPayload } from './completion.publisher';
import { InFlightHandlers } from './in-flight-handlers';

/** Ops endpoints are not traffic: they neither count as in flight nor in the request rate. */
export const GATEWAY_METRICS_OPTIONS = Symbol('GATEWAY_METRICS_OPTIONS');

export interface GatewayMetricsOptions {
  /** A hold older than this expired in the ledger: it no longer counts as in flight. */
  holdMaxAgeMs: number;
}

const OPS_PATH = /^\/(healthz|readyz|metrics)(\/|\?|$)/;

/** Latency of a whole request or stream, seconds (streams run long: up to 10 min). */
const DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Time to the first token, seconds. */
const TTFT_BUCKETS_S = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics:
 * - `gateway_inflight_requests`: HTTP requests being served right now (streams until their last byte); the HPA's
 *   Pods metric (see deploy/base/gateway-hpa.yaml and deploy/observability/prometheus-adapter-rules.yaml);
 * - `gateway_http_requests_total{method,route,status_code}`: every response, refusals (401/402/429…) included;
 * - `gateway_requests_total{surface,provider,outcome,error_code}` and the latency and TTFT histograms per provider:
 *   one sample per completed LLM request, from the same record billing receives;
 * - `gateway_holds_in_flight`: ledger holds this process placed and has not yet handed to billing or released.
 */
@Injectable()
export class GatewayMetrics implements OnModuleInit {
  private readonly inflight: Gauge;
  private readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  private readonly requests: Counter<'surface' | 'provider' | 'outcome' | 'error_code'>;
  private readonly duration: Histogram<'surface' | 'provider' | 'streamed'>;
  private readonly ttft: Histogram<'surface' | 'provider'>;
  /** holdId → placed at (ms); entries older than the hold timeout expired in the ledger and are dropped at scrape. */
  private readonly holds = new Map<string, number>();

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(GATEWAY_METRICS_OPTIONS) options: GatewayMetricsOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const registers = [registry];
    this.inflight = new Gauge({ name: 'gateway_inflight_requests', help: 'HTTP requests in flight (a stream counts until its last byte); ops endpoints excluded', registers });
    this.httpRequests = new Counter({ name: 'gateway_http_requests_total', help: 'HTTP responses by route and status code; ops endpoints excluded', labelNames: ['method', 'route', 'status_code'], registers });
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Completed LLM requests by surface, serving provider, outcome and error code ("" when none)',
      labelNames: ['surface', 'provider', 'outcome', 'error_code'],
      registers,
    });
    this.duration = new Histogram({ name: 'gateway_request_duration_seconds', help: 'Request latency to the last byte, per provider', labelNames: ['surface', 'provider', 'streamed'], buckets: DURATION_BUCKETS_S, registers });
    this.ttft = new Histogram({ name: 'gateway_ttft_seconds', help: 'Time to the first token, per provider', labelNames: ['surface', 'provider'], buckets: TTFT_BUCKETS_S, registers });
    const holds = this.holds;
    const maxAgeMs = options.holdMaxAgeMs;
    new Gauge({
      name: 'gateway_holds_in_flight',
      help: 'Ledger holds this gateway placed and has not yet handed to billing or released',
      registers,
      collect() {
        const oldest = Date.now() - maxAgeMs;
        for (const [holdId, placedAt] of holds) if (placedAt < oldest) holds.delete(holdId);
        this.set(holds.size);
      },
    });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (OPS_PATH.test(request.url)) return done();
      this.inflight.inc();
      // `close` fires once whether the response finished or the client left mid-stream.
      reply.raw.once('close', () => {
        this.inflight.dec();
        this.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) });
      });
      done();
    });
  }

  holdPlaced(holdId: string): void {
    this.holds.set(holdId, Date.now());
  }

  holdSettled(holdId: string): void {
    this.holds.delete(holdId);
  }

  completed(payload: RequestCompletedPayload): void {
    this.holdSettled(payload.holdId);
    const provider = payload.providerId ?? 'none';
    this.requests.inc({ surface: payload.surface, provider, outcome: payload.outcome, error_code: payload.errorCode ?? '' });
    this.duration.observe({ surface: payload.surface, provider, streamed: String(payload.streamed) }, payload.latencyMs / 1000);
    if (payload.ttftMs !== null) this.ttft.observe({ surface: payload.surface, provider }, payload.ttftMs / 1000);
  }
}

/** Global: the ledger client and the completion publisher are provided by several feature modules. Also counts handlers in flight for the drain. */
@Module({})
export class GatewayMetricsModule {
  static forRoot(options: GatewayMetricsOptions): DynamicModule {
    return {
      module: GatewayMetricsModule,
      global: true,
      providers: [{ provide: GATEWAY_METRICS_OPTIONS, useValue: options }, GatewayMetrics, InFlightHandlers],
      exports: [GatewayMetrics, InFlightHandlers],
    };
  }
}
