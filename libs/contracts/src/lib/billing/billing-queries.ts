import { z } from 'zod';
import { defineCommand } from '../define-contract';
import { IsoTimestamp, RequestId, Uuid } from '../primitives';
import { RequestContentSchema } from '../gateway/request-content.schema';
import { RequestLogEntry, RequestLogOutcome, UsageCountsShape } from './request-log.schema';

const Count = z.number().int().min(0);

/** Sums over a set of completed requests; money as a micro-USD string. */
export const UsageTotalsSchema = z.object({ requests: Count, ...UsageCountsShape });

/** Rows per breakdown, highest cost first; the rest are left off (`truncated`). */
export const USAGE_BREAKDOWN_ROWS_MAX = 100;

/** Per-day series keep this many models / keys (highest cost over the window); the rest are one `other` row per day. */
export const USAGE_SERIES_TOP = 8;

/** One day × group row of a per-day series; `other` rows sum every group outside the top ones (their key is null). */
const series = <K extends z.ZodRawShape>(keys: K) =>
  z.array(UsageTotalsSchema.extend({ day: z.string(), other: z.boolean(), ...keys })).max(366 * (USAGE_SERIES_TOP + 1));

const breakdown = <K extends z.ZodRawShape>(keys: K) => z.array(UsageTotalsSchema.extend(keys)).max(USAGE_BREAKDOWN_ROWS_MAX);

/**
 * A workspace's usage over today (UTC) and the `days − 1` days before it: totals and breakdowns by model,
 * API key, end user, app (`X-Title` / `HTTP-Referer`) and day. Every completed request counts once.
 */
export const BillingUsageQuery = defineCommand({
  subject: 'billing.usage.query',
  request: z.object({ workspaceId: Uuid, days: z.number().int().min(1).max(90) }),
  response: z.object({
    days: z.number().int(),
    since: z.string(),
    totals: UsageTotalsSchema,
    byDay: z.array(UsageTotalsSchema.extend({ day: z.string() })).max(90),
    byDayModel: series({ modelId: z.string().nullable() }),
    byDayKey: series({ apiKeyId: z.string().nullable() }),
    byModel: breakdown({ modelId: z.string().nullable(), providerId: z.string().nullable() }),
    byKey: breakdown({ apiKeyId: z.string().nullable() }),
    byEndUser: breakdown({ endUserId: z.string().nullable() }),
    byApp: breakdown({ appTitle: z.string().nullable(), appReferer: z.string().nullable() }),
    truncated: z.boolean(),
  }),
});

/**
 * One request of the workspace, by request (generation) id; `not_found` for an unknown id or another workspace's.
 * `content` only when the workspace opted in to content logging for it and the retention has not deleted it yet.
 */
export const BillingGenerationGet = defineCommand({
  subject: 'billing.generation.get',
  request: z.object({ workspaceId: Uuid, requestId: RequestId }),
  response: RequestLogEntry.extend({ content: RequestContentSchema.optional() }),
});

/** Opaque keyset cursor over (completedAt, requestId), newest first. */
export const LogsCursor = z.string().min(1).max(300).regex(/^[A-Za-z0-9_-]+$/, 'a cursor from next_cursor');

export const LOGS_PAGE_MAX = 200;

/** The workspace's request log, newest first, filtered; page with `cursor` until `nextCursor` is null. */
export const BillingLogsQuery = defineCommand({
  subject: 'billing.logs.query',
  request: z.object({
    workspaceId: Uuid,
    /** Matches the requested or the served model. */
    model: z.string().min(1).max(200).optional(),
    providerId: z.string().min(1).max(100).optional(),
    outcome: RequestLogOutcome.optional(),
    apiKeyId: z.string().min(1).max(100).optional(),
    endUserId: z.string().min(1).max(256).optional(),
    from: IsoTimestamp.optional(),
    to: IsoTimestamp.optional(),
    limit: z.number().int().min(1).max(LOGS_PAGE_MAX).default(50),
    cursor: LogsCursor.optional(),
  }),
  response: z.object({ entries: z.array(RequestLogEntry).max(LOGS_PAGE_MAX), nextCursor: z.string().nullable() }),
});
