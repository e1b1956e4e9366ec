import { IsoTimestamp, LOGS_PAGE_MAX, LogsCursor, RequestLogOutcome } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { z } from 'zod';

const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** `GET /api/v1/usage?days=N`: today (UTC) and the N − 1 days before it. */
export const UsageQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(90).default(30) });

/** `GET /api/v1/generation?id=`: any string is accepted here; an id that cannot exist is simply not found. */
export const GenerationQuerySchema = z.object({ id: z.string().min(1, 'is required') });

/** `GET /api/v1/logs`: filters, newest first, cursor pagination. */
export const LogsQuerySchema = z.object({
  model: z.string().min(1).max(200).optional(),
  provider: z.string().min(1).max(100).optional(),
  outcome: RequestLogOutcome.optional(),
  key: z.string().min(1).max(100).optional(),
  user: z.string().min(1).max(256).optional(),
  from: IsoTimestamp.optional(),
  to: IsoTimestamp.optional(),
  limit: Limit(LOGS_PAGE_MAX, 50),
  cursor: LogsCursor.optional(),
});

/** `GET /api/v1/transactions`: the workspace credit account's transfers, oldest first. */
export const TransactionsQuerySchema = z.object({
  cursor: z.string().regex(/^\d{1,19}$/, 'must be next_cursor from the previous page').optional(),
  limit: Limit(200, 50),
});

/** Validates a query string with its schema; the first issue names the param, as OpenAI does. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.length ? issue.path.join('.') : null;
  throw new AppError('invalid_request', param ? `Invalid value for '${param}': ${issue?.message}` : (issue?.message ?? 'Invalid query.'), { param });
}
