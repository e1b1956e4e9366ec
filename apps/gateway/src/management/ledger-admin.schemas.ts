import { AppError } from '@switchyard/errors';
import { z } from 'zod';

const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const Cursor = z.string().regex(/^\d{1,19}$/, 'must be a transfer id from nextCursor');
const Timestamp = z.iso.datetime({ offset: true });

export const LedgerAccountsQuerySchema = z.object({
  prefix: z.string().max(200).optional(),
  after: z.string().max(200).optional(),
  limit: Limit(500, 100),
});

export const LedgerStatementQuerySchema = z.object({ cursor: Cursor.optional(), limit: Limit(500, 100) });

export const LedgerTrialBalanceQuerySchema = z.object({ as_of: Timestamp.optional() });

export const LedgerJournalQuerySchema = z.object({
  from: Timestamp,
  to: Timestamp,
  format: z.enum(['csv', 'jsonl']).default('jsonl'),
});

/** Validates a query string (or path param) with its schema; the first issue names the param. */
export function parseLedgerQuery<S extends z.ZodType>(schema: S, value: unknown, paramName?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = paramName ?? (issue?.path.length ? issue.path.join('.') : null);
  throw new AppError('invalid_request', param ? `Invalid value for '${param}': ${issue?.message}` : (issue?.message ?? 'Invalid query.'), { param });
}
