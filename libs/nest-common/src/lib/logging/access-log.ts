import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';

const OPS_PATHS = /^\/(healthz|readyz|metrics)/;
const REDACTED = '[redacted]';

/** The URL with the value of every `key` query parameter (Gemini's `?key=`, however its name is encoded) redacted. */
export function redactUrlCredentials(url: string | undefined): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (url === undefined || q < 0) return url;
  const params = url.slice(q + 1).split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      decoded = undefined;
    }
    return decoded === undefined || decoded.trim().toLowerCase() === 'key' ? `${name}=${REDACTED}` : part;
  });
  return `${url.slice(0, q + 1)}${params.join('&')}`;
}

/**
 * One line per answered request (ops endpoints excepted): method, URL with credentials redacted, status, time.
 * Headers are never logged, so no credential can reach a log line. `requestId` is the id the response carries in
 * `x-request-id` (a completion's generation id), else Fastify's.
 */
export function installAccessLog(fastify: FastifyInstance, logger: Pino): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!OPS_PATHS.test(request.url)) {
      const statusCode = reply.statusCode;
      const requestId = reply.getHeader('x-request-id') ?? request.id;
      const line = {
        requestId,
        req: { method: request.method, url: redactUrlCredentials(request.url), remoteAddress: request.ip },
        res: { statusCode },
        responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
      };
      if (statusCode >= 500) logger.error(line, 'request errored');
      else logger.info(line, 'request completed');
    }
    done();
  });
}
