import { z } from 'zod';
import { defineEvent, defineStream } from '../define-contract';

/** The prompt classes `model: "auto"` distinguishes, cheapest first. */
export const ROUTING_TIERS = ['simple', 'medium', 'complex', 'reasoning'] as const;
export const RoutingTierSchema = z.enum(ROUTING_TIERS);
export type RoutingTier = z.output<typeof RoutingTierSchema>;

/** closed: serve; open: skip until `retryAtMs`; half_open: the next request probes it (a success closes it). */
export const BreakerStateSchema = z.enum(['closed', 'open', 'half_open']);
export type BreakerState = z.output<typeof BreakerStateSchema>;

const Milliseconds = z.number().int().min(0);
const Share = z.number().min(0).max(1);
export const PercentilesMsSchema = z.object({ p50: Milliseconds, p75: Milliseconds, p90: Milliseconds, p99: Milliseconds });
export type PercentilesMs = z.output<typeof PercentilesMsSchema>;

/** Live health of one (provider, model) endpoint over the router's rolling window; null where there is no sample yet. */
export const EndpointHealthSchema = z.object({
  providerId: z.string(),
  modelId: z.string(),
  /** Attempts that say something about the endpoint (succeeded, or failed with a 429/5xx/timeout/connect error). */
  samples: z.number().int().min(0),
  successes: z.number().int().min(0),
  failures: z.number().int().min(0),
  successRate: Share.nullable(),
  latencyMs: PercentilesMsSchema.nullable(),
  /** Time to first byte: a stream's first delta, or the whole answer when not streaming. */
  ttftMs: PercentilesMsSchema.nullable(),
  uptimeLast5m: Share.nullable(),
  uptimeLast30m: Share.nullable(),
  breaker: z.object({
    state: BreakerStateSchema,
    consecutiveFailures: z.number().int().min(0),
    /** While open: when it half-opens (epoch ms), so a gateway holding an old snapshot still lets the probe through. */
    retryAtMs: z.number().int().nullable(),
  }),
});
export type EndpointHealth = z.output<typeof EndpointHealthSchema>;

/**
 * Operator routing config, published with every snapshot: the models each `auto` tier chooses among, and which
 * providers keep prompts (`provider.data_collection: "deny"` excludes any provider not marked `none`).
 */
export const RoutingConfigSchema = z.object({
  tiers: z.object({
    simple: z.array(z.string().min(1)).max(50),
    medium: z.array(z.string().min(1)).max(50),
    complex: z.array(z.string().min(1)).max(50),
    reasoning: z.array(z.string().min(1)).max(50),
  }),
  providers: z.record(z.string(), z.object({ dataCollection: z.enum(['none', 'retains']) })).default({}),
});
export type RoutingConfig = z.output<typeof RoutingConfigSchema>;

/** Everything a gateway needs to rank locally: catalog order with each endpoint's health, plus the routing config. */
export const RoutingSnapshotSchema = z.object({
  version: z.literal(1),
  /** One router process; `sequence` grows within it, `publishedAtMs` across restarts. */
  routerId: z.string().min(1).max(100),
  sequence: z.number().int().min(0),
  publishedAtMs: z.number().int().min(0),
  healthWindowMs: z.number().int().min(1),
  endpoints: z.array(EndpointHealthSchema).max(10_000),
  config: RoutingConfigSchema,
});
export type RoutingSnapshot = z.output<typeof RoutingSnapshotSchema>;

/**
 * Keeps only the latest snapshot (one message per subject, like a KV bucket): a gateway that starts, or reconnects,
 * reads it with a direct "last by subject" get; live updates arrive on the subject itself.
 */
export const RoutingSnapshotsStream = defineStream({
  name: 'ROUTING_SNAPSHOTS',
  subjects: ['router.snapshot.*'],
  duplicateWindowMs: 60_000,
  maxAgeMs: 24 * 3_600_000,
});
export const ROUTING_SNAPSHOT_MESSAGES_PER_SUBJECT = 1;

export const RouterSnapshotPublished = defineEvent({
  subject: 'router.snapshot.published',
  stream: RoutingSnapshotsStream,
  messageId: (p) => `routing-snapshot:${p.routerId}:${p.sequence}`,
  payload: RoutingSnapshotSchema,
});
