import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const RouterEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8082),
  PRICE_DATA_DIR: z.string().optional(),
  /** Operator routing config (auto tiers, provider data policies); default: apps/router/src/routing-config/default-routing-config.json. */
  ROUTING_CONFIG_FILE: z.string().optional(),
  /** Latency/TTFT percentiles and success rates cover this much recent time. */
  ROUTER_HEALTH_WINDOW_MS: ms(10_000, 3_600_000, 300_000),
  ROUTER_HEALTH_SAMPLES_MAX: z.coerce.number().int().min(16).max(10_000).default(512),
  /** Consecutive endpoint failures (429/5xx/timeouts) that open its circuit breaker. */
  ROUTER_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  /** How long an open breaker keeps its endpoint out before one request probes it. */
  ROUTER_BREAKER_COOLDOWN_MS: ms(100, 3_600_000, 30_000),
  /** A changed snapshot is published at most this often. */
  ROUTER_SNAPSHOT_INTERVAL_MS: ms(50, 60_000, 1_000),
  /** An unchanged snapshot is republished this often (gateways can tell a live router from a dead one). */
  ROUTER_SNAPSHOT_HEARTBEAT_MS: ms(1_000, 600_000, 15_000),
});
export type RouterEnv = z.output<typeof RouterEnvSchema>;

export const ROUTER_ENV = Symbol('ROUTER_ENV');

export const loadRouterEnv = () => loadEnvOrExit(RouterEnvSchema, 'router');
