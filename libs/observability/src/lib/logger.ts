import pino, { type Logger } from 'pino';

/** JSON logs on stdout with service name; never log prompts or keys (redacted paths below). */
export function createLogger(serviceName: string, level: string): Logger {
  return pino({
    level,
    base: { service: serviceName },
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-goog-api-key"]', 'apiKey', '*.apiKey'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
