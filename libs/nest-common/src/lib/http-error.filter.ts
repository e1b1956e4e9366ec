import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { AppError, type ErrorCode, toAppError, toOpenAiErrorBody } from '@switchyard/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_request',
  413: 'request_too_large',
  415: 'invalid_request',
  429: 'rate_limited',
};

/** Every HTTP error leaves in the route's envelope (OpenAI unless a surface overrides it); internals are logged, never shown. */
export function toHttpAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = STATUS_TO_CODE[status] ?? 'invalid_request';
    const raw = error instanceof HttpException ? error.message : String((error as Error).message ?? '');
    const message =
      code === 'request_too_large' ? 'Request body is too large.'
      : code === 'not_found' ? 'Not found.'
      : /JSON/i.test(raw) ? 'Request body is not valid JSON.'
      : raw || 'Invalid request.';
    return new AppError(code, message, { cause: error });
  }
  return toAppError(error);
}

/** Renders an error body in one API dialect (OpenAI by default; surfaces pass their own). */
export type ErrorEnvelope = (error: AppError, requestId: string | undefined) => unknown;

/** Envelopes by URL path, for errors raised before a route's own filter can run (bad JSON, oversized bodies). */
export interface PathErrorEnvelope {
  path: RegExp;
  envelope: ErrorEnvelope;
}

/** The envelope for a URL: the first matching path's, else OpenAI's. */
export function envelopeForUrl(url: string, byPath: readonly PathErrorEnvelope[]): ErrorEnvelope {
  const path = url.split('?', 1)[0];
  return byPath.find((entry) => entry.path.test(path))?.envelope ?? toOpenAiErrorBody;
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  /** `envelope`: this filter's dialect; a global filter passes none and picks by path from `byPath`. */
  constructor(
    private readonly envelope?: ErrorEnvelope,
    private readonly byPath: readonly PathErrorEnvelope[] = [],
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const appError = toHttpAppError(error);
    if (appError.code === 'internal') this.logger.error({ err: error, url: request.url }, 'unhandled error');
    const requestId = (reply.getHeader('x-request-id') as string | undefined) ?? undefined;
    if (appError.retryAfterMs !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(appError.retryAfterMs / 1000))));
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    void reply.code(appError.httpStatus).header('Content-Type', 'application/json').send((this.envelope ?? envelopeForUrl(request.url, this.byPath))(appError, requestId));
  }
}
