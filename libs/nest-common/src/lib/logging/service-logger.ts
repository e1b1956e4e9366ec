import { type DynamicModule, Inject, Injectable, type LoggerService, Module } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import pino, { type Logger as Pino } from 'pino';

/** The service's root pino logger (JSON lines on stdout). */
export const SERVICE_PINO = Symbol('SERVICE_PINO');

/** Every line logged inside a traced request names its trace, so logs and traces join on traceId. */
function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

export function createServicePino(serviceName: string, level: string): Pino {
  return pino({
    level,
    base: { service: serviceName },
    mixin: traceFields,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  });
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's LoggerService on the root pino logger, with Nest's calling convention (the context is the last extra
 * argument; an object or Error first becomes fields). No per-request child logger: that cost more CPU than the
 * rest of a cached request (bench/README.md); request lines come from the access log instead.
 */
@Injectable()
export class ServiceLogger implements LoggerService {
  constructor(@Inject(SERVICE_PINO) readonly pino: Pino) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    let params = rest;
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') {
      fields.context = rest[rest.length - 1];
      params = rest.slice(0, -1);
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message, ...params);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level](Object.assign(fields, message), ...(params as [string?]));
    } else if (level === 'error' && typeof params[0] === 'string' && params[0].includes('\n    at ')) {
      // Nest's exception handlers pass (message, stack, context).
      const err = new Error(String(message));
      err.stack = params[0];
      this.pino[level](Object.assign(fields, { err }));
    } else {
      this.pino[level](fields, String(message), ...params);
    }
  }
}

@Module({})
class ServiceLoggerModule {}

/** The logger every service imports: JSON logs through pino, one line per HTTP request from the access log. */
export function serviceLoggerModule(serviceName: string, level: string): DynamicModule {
  return {
    module: ServiceLoggerModule,
    global: true,
    providers: [{ provide: SERVICE_PINO, useValue: createServicePino(serviceName, level) }, ServiceLogger],
    exports: [SERVICE_PINO, ServiceLogger],
  };
}
