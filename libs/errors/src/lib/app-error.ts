import { ERROR_TABLE, type ErrorCode } from './error-code';

export interface AppErrorOptions {
  param?: string | null;
  /** Logged, never serialized to a client. */
  cause?: unknown;
  /** Serialized: safe, structured detail a client can act on (guardrail details, balances). */
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  suggestedAction?: string;
}

/** A failure with a code from the error table; its message is safe to show a user. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly details?: Record<string, unknown>;
  readonly retryAfterMs?: number;
  readonly suggestedAction?: string;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.param = options.param ?? null;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
    this.suggestedAction = options.suggestedAction;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].httpStatus;
  }

  get retryable(): boolean {
    return ERROR_TABLE[this.code].retryable;
  }
}

/** Anything thrown becomes an AppError; unknown failures are `internal` with a generic message. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('internal', 'The server had an error while processing your request.', { cause: error });
}
