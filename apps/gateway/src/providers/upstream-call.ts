import type { Readable } from 'node:stream';
import { AppError } from '@switchyard/errors';
import type { UpstreamHttpClient, UpstreamRequest, UpstreamResponse } from '../upstream/upstream-http.client';

const ERROR_BODY_CHARS_MAX = 64_000;

/** Turns an upstream HTTP error (status, the start of its body, its Retry-After header) into the provider's error. */
export type UpstreamHttpErrorMapper = (statusCode: number, bodyText: string, retryAfter: string | undefined) => unknown;

/**
 * Sends one request through the UpstreamHttpClient. A status of 400 or more is thrown as `toError(status, body, retryAfter)`
 * (the body read as text, at most 64k characters); `onTransportError`, if given, maps what the client itself threw.
 */
export async function callUpstream(http: UpstreamHttpClient, request: UpstreamRequest, toError: UpstreamHttpErrorMapper, onTransportError?: (error: unknown) => unknown): Promise<UpstreamResponse> {
  let response: UpstreamResponse;
  try {
    response = await http.post(request);
  } catch (error) {
    throw onTransportError ? onTransportError(error) : error;
  }
  if (response.statusCode >= 400) {
    const text = (await response.body.text().catch(() => '')).slice(0, ERROR_BODY_CHARS_MAX);
    const retryAfter = response.headers['retry-after'];
    throw toError(response.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }
  return response;
}

/** The response body as JSON; unparseable JSON is the provider's fault unless the caller aborted. */
export async function readJsonBody(response: UpstreamResponse, signal: AbortSignal): Promise<unknown> {
  try {
    return await response.body.json();
  } catch (error) {
    if (signal.aborted) throw error;
    throw new AppError('upstream_error', 'The provider returned a malformed response.', { cause: error });
  }
}

/** A configured base URL without trailing slashes. */
export const trimBaseUrl = (baseUrl: string): string => baseUrl.replace(/\/+$/, '');

/**
 * The body's chunks, for a decoder that may stop before the body ends (at `[DONE]`, at `message_stop`). Stopping
 * early lets the rest drain in the background (at most 128 KiB, undici's `dump`) rather than destroying the body: a
 * stream iterator destroys on return with an AbortError, whose stack trace cost ~12 µs a stream, and a destroyed
 * body costs the keep-alive connection its next request.
 */
export async function* bodyChunks(body: UpstreamResponse['body']): AsyncGenerator<Uint8Array> {
  const readable = body as UpstreamResponse['body'] & Partial<Pick<Readable, 'iterator'>>;
  if (typeof readable.iterator !== 'function') {
    yield* body;
    return;
  }
  let ended = false;
  try {
    for await (const chunk of readable.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array;
    ended = true;
  } finally {
    if (!ended) void body.dump().catch(() => undefined);
  }
}
