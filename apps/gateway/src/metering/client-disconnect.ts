import type { ServerResponse } from 'node:http';
import { AppError } from '@switchyard/errors';

/** The reason a request's abort signal carries when its client went away. */
export const CLIENT_DISCONNECTED = 'client disconnected';

/**
 * Aborts when the client leaves before its response is complete. A client that left while the request was being
 * authenticated or held counts too: its 'close' came before this listener, and only `destroyed` still shows it.
 */
export function clientDisconnectSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => {
    if (!response.writableFinished) controller.abort(new Error(CLIENT_DISCONNECTED));
  };
  if (response.destroyed) abort();
  else response.on('close', abort);
  return controller.signal;
}

/** Calls `ended` when the response is over (sent, or its client gone), at once if it already is. May call it twice. */
export function whenResponseEnded(response: ServerResponse, ended: () => void): void {
  if (response.destroyed || response.writableFinished) {
    ended();
    return;
  }
  response.once('finish', ended);
  response.once('close', ended);
}

/** What a request whose client left before it went upstream ends with: nothing was sent, nothing is billed. */
export function clientLeftBeforeUpstream(): AppError {
  return new AppError('upstream_error', 'The client disconnected before the request was sent upstream.');
}
