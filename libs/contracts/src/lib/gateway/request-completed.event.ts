import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineEvent, defineStream } from '../define-contract';
import { TokenUsageSchema } from '../llm/token-usage.schema';
import { IsoTimestamp, Uuid } from '../primitives';
import { RoutingTierSchema } from '../router/routing-snapshot.event';
import { RequestContentSchema } from './request-content.schema';

export const GatewayEventsStream = defineStream({
  name: 'GATEWAY_EVENTS',
  subjects: ['gateway.request.*', 'gateway.requests.*'],
  duplicateWindowMs: 10 * 60_000,
  maxAgeMs: 7 * 24 * 3_600_000,
});

export const AttemptSchema = z.object({
  providerId: z.string(),
  modelId: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'aborted']),
  httpStatus: z.number().int().optional(),
  errorCode: z.string().optional(),
  latencyMs: z.number().int().min(0),
  ttftMs: z.number().int().min(0).optional(),
});

/**
 * The end of one gateway request, whatever happened: billing prices it and resolves its hold.
 * `outcome`: succeeded (full answer), client_aborted (bill what was produced), failed (nothing to bill unless produced).
 */
export const GatewayRequestCompleted = defineEvent({
  subject: 'gateway.request.completed',
  stream: GatewayEventsStream,
  messageId: (p) => `request-completed:${p.requestId}`,
  payload: z.object({
    requestId: z.string().min(1).max(100),
    holdId: z.string().min(1).max(100),
    workspaceId: Uuid,
    apiKeyId: z.string().nullable(),
    requestedModel: z.string(),
    modelId: z.string().nullable(),
    providerId: z.string().nullable(),
    surface: z.enum(['openai', 'anthropic', 'gemini', 'embeddings', 'passthrough']),
    streamed: z.boolean(),
    outcome: z.enum(['succeeded', 'failed', 'client_aborted']),
    usage: TokenUsageSchema,
    webSearchRequests: z.number().int().min(0).default(0),
    errorCode: z.string().nullable().default(null),
    attempts: z.array(AttemptSchema).default([]),
    startedAt: IsoTimestamp,
    completedAt: IsoTimestamp,
    latencyMs: z.number().int().min(0),
    ttftMs: z.number().int().min(0).nullable(),
    endUserId: z.string().max(256).nullable().default(null),
    /** App attribution from `X-Title` / `HTTP-Referer` (OpenRouter's headers), when the client sent them. */
    appTitle: z.string().max(200).nullish(),
    appReferer: z.string().max(500).nullish(),
    /** The routing strategy asked for (header or `provider.sort`), if any. */
    strategy: z.string().max(50).nullish(),
    /** The tier `auto` classified the prompt into (simple, medium, complex, reasoning), when `auto` was asked for. */
    autoTier: RoutingTierSchema.nullish(),
    /** Served with the workspace's own provider key: billed this fee (basis points of the price; 0 = free allowance). */
    byokFeeBasisPoints: z.number().int().min(0).max(100_000).nullish(),
    /** The prompt and answer, only when the workspace opted in to content logging; absent otherwise (never stored then). */
    content: RequestContentSchema.optional(),
  }),
});

/** Most completions one `gateway.requests.completed` message carries. */
export const COMPLETIONS_PER_MESSAGE_MAX = 64;

/**
 * Completions that ended at the same moment on one gateway, in one message: one publish, one store, one delivery
 * and one ack for all of them. Each is exactly a `gateway.request.completed` payload and is settled on its own
 * (idempotently, by request id). A lone completion, or one carrying content, still goes as `gateway.request.completed`.
 */
export const GatewayRequestsCompleted = defineEvent({
  subject: 'gateway.requests.completed',
  stream: GatewayEventsStream,
  // the same batch published again (a retry) has the same id; any other grouping is a new message, and billing's
  // idempotency absorbs a completion that arrives twice
  messageId: (p) => `requests-completed:${createHash('sha256').update(p.events.map((event) => event.requestId).join('\n')).digest('base64url')}`,
  payload: z.object({ events: z.array(GatewayRequestCompleted.payload).min(1).max(COMPLETIONS_PER_MESSAGE_MAX) }),
});
