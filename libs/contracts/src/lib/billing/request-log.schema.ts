import { z } from 'zod';
import { AttemptSchema } from '../gateway/request-completed.event';
import { NonNegativeMicrosString, Uuid } from '../primitives';

const Count = z.number().int().min(0);
const Outcome = z.enum(['succeeded', 'failed', 'client_aborted']);

/** What a request consumed and cost; a usage total sums the same fields. Money as a micro-USD string. */
export const UsageCountsShape = {
  promptTokens: Count,
  completionTokens: Count,
  cachedPromptTokens: Count,
  cacheWriteTokens: Count,
  reasoningTokens: Count,
  webSearchRequests: Count,
  costMicros: NonNegativeMicrosString,
};

/**
 * One completed gateway request as billing logged it: what was asked and served, what it cost, how it went.
 * No prompt or completion text. `costMicros` is what the ledger captured (0 when the hold was released).
 */
export const RequestLogEntry = z.object({
  requestId: z.string(),
  workspaceId: Uuid,
  apiKeyId: z.string().nullable(),
  requestedModel: z.string(),
  modelId: z.string().nullable(),
  providerId: z.string().nullable(),
  surface: z.string(),
  streamed: z.boolean(),
  outcome: Outcome,
  errorCode: z.string().nullable(),
  strategy: z.string().nullable(),
  /** The tier `auto` chose from (simple, medium, complex, reasoning); null when a model was named. */
  autoTier: z.string().nullable(),
  ...UsageCountsShape,
  settlement: z.enum(['captured', 'released']),
  latencyMs: Count,
  ttftMs: Count.nullable(),
  attempts: z.array(AttemptSchema),
  endUserId: z.string().nullable(),
  appTitle: z.string().nullable(),
  appReferer: z.string().nullable(),
  startedAt: z.string(),
  completedAt: z.string(),
});
export type RequestLogEntryWire = z.input<typeof RequestLogEntry>;
export type RequestLogRecord = z.output<typeof RequestLogEntry>;

export const RequestLogOutcome = Outcome;
