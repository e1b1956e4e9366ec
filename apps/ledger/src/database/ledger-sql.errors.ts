import { AppError, type ErrorCode } from '@switchyard/errors';

/** SQLSTATEs raised by the ledger functions (see the create-ledger migration). */
const LEDGER_SQLSTATES: Record<string, ErrorCode> = {
  LDG01: 'not_found',
  LDG02: 'conflict',
  LDG03: 'insufficient_balance',
  LDG04: 'invalid_request',
};

/** Deadlock, serialization failure, and a lost race on a unique key: a retry sees the winner's row. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001', '23505']);

/** Lock or statement timeout: the database is overloaded; shed the command instead of queueing it. */
const OVERLOAD_SQLSTATES = new Set(['55P03', '57014']);

interface PgErrorFields {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as PgErrorFields | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Connection lost or refused (pg_terminate_backend, restart): whether the statement committed is unknown. */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);
const CONNECTION_MESSAGES = /Connection terminated|connection error|not queryable|terminating connection|ECONNRESET|ECONNREFUSED/i;

export function isConnectionSqlError(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined && (CONNECTION_SQLSTATES.has(state) || state.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.test(String((error as { message?: unknown } | null)?.message ?? ''));
}

export function isRetryableSqlError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && RETRYABLE_SQLSTATES.has(state);
}

/** Maps a ledger function's error to the AppError the command replies with; anything else stays as is (internal). */
export function toLedgerError(error: unknown): unknown {
  const state = sqlStateOf(error);
  if (state === undefined) return error;
  const code = LEDGER_SQLSTATES[state];
  if (code) {
    const fields = error as PgErrorFields;
    return new AppError(code, String(fields.message ?? code), { details: parseDetails(fields.detail), cause: error });
  }
  if (OVERLOAD_SQLSTATES.has(state)) return new AppError('service_unavailable', 'The ledger is busy; retry with the same idempotency key.', { cause: error });
  return error;
}

function parseDetails(detail: unknown): Record<string, unknown> | undefined {
  if (typeof detail !== 'string' || detail === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(detail);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
