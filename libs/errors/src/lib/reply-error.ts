import { AppError } from './app-error';
import { isErrorCode } from './error-code';

/** The error half of a NATS reply envelope `{ ok: false, error }`. */
export interface ReplyError {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export function toReplyError(error: AppError): ReplyError {
  return { code: error.code, message: error.message, retryable: error.retryable, ...(error.details ? { details: error.details } : {}) };
}

export function fromReplyError(reply: ReplyError): AppError {
  const code = isErrorCode(reply.code) ? reply.code : 'internal';
  return new AppError(code, reply.message, { details: reply.details });
}
