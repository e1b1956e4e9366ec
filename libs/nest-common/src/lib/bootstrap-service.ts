import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectNatsMicroservice, type NatsConnectionOptions } from '@switchyard/nats';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import { HttpErrorFilter } from './http-error.filter';

export interface ServiceBootstrapOptions {
  serviceName: string;
  module: Type<unknown> | DynamicModule;
  host: string;
  httpPort: number;
  bodyLimitBytes?: number;
  /** When set, the service also answers NATS commands (hybrid app, inheriting the HTTP app's config). */
  nats?: NatsConnectionOptions;
  shutdownGraceMs: number;
}

/** Starts one service: Fastify HTTP (ops endpoints at least), optional NATS handlers, graceful shutdown. */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<INestApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 1_048_576, trustProxy: true, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  if (options.nats) {
    connectNatsMicroservice(app, options.nats);
    await app.startAllMicroservices();
  }
  await app.listen(options.httpPort, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.httpPort;
  new Logger('Bootstrap').log({ port, service: options.serviceName }, `${options.serviceName} listening on http://${options.host}:${port}`);
  return app;
}

/** The pino logger module every service imports: JSON logs, request logging off for ops endpoints. */
export function serviceLoggerModule(serviceName: string, level: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service: serviceName },
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-goog-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
      customProps: (req) => ({ requestId: (req as { id?: unknown }).id }),
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
    },
  });
}
