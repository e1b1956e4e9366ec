import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppError } from '@switchyard/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { exceedsJsonDepth, JSON_DEPTH_MAX } from './json-depth';

/**
 * The dashboard is a same-origin React SPA: its own scripts only; inline styles for Mantine; API calls and images
 * from its own origin (plus data:/blob: images); never framed.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/**
 * Paths browsers may call from any origin with an API key: the model surfaces and the key-authenticated management
 * API. Session (cookie) endpoints and the operator's admin API are same-origin only.
 */
export function isCrossOriginApiPath(url: string): boolean {
  const path = url.split('?', 1)[0];
  if (/^\/api\/v1\/(auth|admin)(\/|$)/.test(path)) return false;
  return /^\/(api\/)?v1\//.test(path) || /^\/anthropic\/v1\//.test(path) || /^\/v1beta\//.test(path);
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const EXPOSED_HEADERS = 'x-request-id, x-switchyard-request-id, x-generation-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, www-authenticate';
const REQUESTED_HEADERS = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+){0,49}$/;
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS without credentials: `Access-Control-Allow-Origin: *` on the API paths and nothing else. With `*` a browser
 * never sends cookies nor lets a page read a cookie-authenticated answer, so the session cookie stays same-origin;
 * the request origin is never reflected.
 */
export function applyCors(request: FastifyRequest, reply: FastifyReply): 'preflight-answered' | 'continue' {
  if (request.headers.origin === undefined || !isCrossOriginApiPath(request.url)) return 'continue';
  void reply.header('access-control-allow-origin', '*').header('vary', 'origin');
  const requestedMethod = request.headers['access-control-request-method'];
  if (request.method === 'OPTIONS' && typeof requestedMethod === 'string') {
    const requestedHeaders = request.headers['access-control-request-headers'];
    void reply.header('access-control-allow-methods', ALLOWED_METHODS).header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    if (typeof requestedHeaders === 'string' && REQUESTED_HEADERS.test(requestedHeaders)) void reply.header('access-control-allow-headers', requestedHeaders);
    void reply.code(204).send();
    return 'preflight-answered';
  }
  void reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  return 'continue';
}

/**
 * Helmet's headers, computed once: they do not depend on the request, so every answer gets the same list set
 * directly instead of running helmet's chain of a dozen middlewares per request (@fastify/helmet even rebuilt the
 * whole middleware, CSP parsing included, on every request).
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = helmetHeaders(
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // API answers are read cross-origin (CORS above); `same-origin` would only block no-cors embeds of JSON anyway.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  }),
);

/** The headers a helmet middleware sets, read by running it once against a recording response. */
function helmetHeaders(middleware: ReturnType<typeof helmet>): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = { setHeader: (name: string, value: unknown) => headers.push([name, String(value)]), removeHeader: () => undefined };
  let done = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done || headers.length === 0) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/** Security headers (helmet) on every answer, CORS on the API paths and a JSON depth limit, on the gateway's Fastify. */
@Injectable()
class HttpSecurityHooks implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of SECURITY_HEADERS) reply.raw.setHeader(name, value);
      done();
    });
    fastify.addHook('onRequest', (request, reply, done) => {
      if (applyCors(request, reply) === 'continue') done();
    });
    fastify.addHook('preValidation', (request, _reply, done) => {
      if (exceedsJsonDepth(request.body)) done(new AppError('invalid_request', `The request body nests deeper than ${JSON_DEPTH_MAX} levels.`));
      else done();
    });
  }
}

@Module({ providers: [HttpSecurityHooks] })
export class HttpSecurityModule {}
