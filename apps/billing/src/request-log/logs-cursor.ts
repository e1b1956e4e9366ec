import { AppError } from '@switchyard/errors';

/** Where a logs page ended: the last row's completed_at (full precision, UTC) and request id. */
export interface LogsCursorPosition {
  completedAt: string;
  requestId: string;
}

const COMPLETED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Opaque to clients (base64url); the ids and timestamp inside are ours to change. */
export function encodeLogsCursor(position: LogsCursorPosition): string {
  return Buffer.from(`${position.completedAt}|${position.requestId}`, 'utf8').toString('base64url');
}

export function decodeLogsCursor(cursor: string): LogsCursorPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.indexOf('|');
  const completedAt = text.slice(0, separator);
  const requestId = text.slice(separator + 1);
  if (separator < 0 || !COMPLETED_AT.test(completedAt) || !REQUEST_ID.test(requestId)) {
    throw new AppError('invalid_request', 'Invalid cursor: pass next_cursor from the previous page unchanged.', { param: 'cursor' });
  }
  return { completedAt, requestId };
}
