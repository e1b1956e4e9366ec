import 'reflect-metadata';
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { type DynamicModule, type INestApplication, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectNatsMicroservice, natsConnectionOptions } from '@switchyard/nats';
import type { FastifyInstance } from 'fastify';
import { AppError, PORT_TAKEN_EXIT_CODE } from '@switchyard/errors';
import { trustProxyOption } from './trust-proxy';
import { envelopeForUrl, HttpErrorFilter, type PathErrorEnvelope } from './http-error.filter';
import { installAccessLog } from './logging/access-log';
import { ServiceLogger } from './logging/service-logger';

/** The validated env fields every service's bootstrap reads. */
export interface ServiceBootstrapEnv {
  HOST: string;
  PORT: number;
  SHUTDOWN_GRACE_MS: number;
  TRUST_PROXY: boolean | number | string[];
  NATS_URL: string;
  NATS_SUBJECT_PREFIX: string;
  NATS_REQUEST_TIMEOUT_MS: number;
}

export interface ServiceBootstrapOptions {
  serviceName: string;
  module: Type<unknown> | DynamicModule;
  env: ServiceBootstrapEnv;
  bodyLimitBytes?: number;
  /** The service answers NATS commands (hybrid app, inheriting the HTTP app's config). */
  answersCommands: boolean;
  /** Error envelopes of other API dialects by path (OpenAI's everywhere else). */
  errorEnvelopes?: readonly PathErrorEnvelope[];
}

/** Starts one service: Fastify HTTP (ops endpoints at least), optional NATS handlers, graceful shutdown. */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<INestApplication> {
  const bodyLimitBytes = options.bodyLimitBytes ?? 1_048_576;
  const errorEnvelopes = options.errorEnvelopes ?? [];
  const adapter = new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    trustProxy: trustProxyOption(options.env.TRUST_PROXY),
    return503OnClosing: true,
    // A URL Fastify cannot decode (`/keys/%ff`) fails before routing: still a 400 in the caller's envelope.
    frameworkErrors: (error: Error, request: { url: string }, reply: { raw: ServerResponse }) => {
      const appError = new AppError('invalid_request', 'The request URL is not valid.', { cause: error });
      reply.raw.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(envelopeForUrl(request.url, errorEnvelopes)(appError, undefined)));
    },
  });
  refuseOversizedBodies(adapter, bodyLimitBytes, errorEnvelopes);
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, { bufferLogs: true });
  const logger = app.get(ServiceLogger);
  app.useLogger(logger);
  installAccessLog(app.getHttpAdapter().getInstance() as FastifyInstance, logger.pino);
  app.useGlobalFilters(new HttpErrorFilter(undefined, errorEnvelopes));
  app.enableShutdownHooks();
  const { env } = options;
  if (options.answersCommands) {
    connectNatsMicroservice(app, natsConnectionOptions(options.serviceName, env));
    await app.startAllMicroservices();
  }
  try {
    await app.listen(env.PORT, env.HOST);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    new Logger('Bootstrap').error({ port: env.PORT, host: env.HOST }, `${options.serviceName}: port ${env.PORT} is already in use`);
    process.exit(PORT_TAKEN_EXIT_CODE);
  }
  boundShutdown(app.getHttpServer(), env.SHUTDOWN_GRACE_MS);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  new Logger('Bootstrap').log({ port, service: options.serviceName }, `${options.serviceName} listening on http://${env.HOST}:${port}`);
  return app;
}

/**
 * Nest drains on SIGTERM/SIGINT: the server stops accepting (new connections are refused, requests on open ones get
 * 503, readyz included), in-flight requests and streams run on, and only then do the shutdown hooks run (they flush
 * billing publishes and close NATS). Around that:
 * - a keep-alive connection whose request finished is closed as soon as it is idle; otherwise it would hold the
 *   server's close open for the keep-alive timeout and the process would reach the hard deadline without flushing;
 * - streams still running `drainReserveMs(graceMs)` before the deadline are cut, so their handlers settle what was
 *   delivered and the hooks still have time to publish it;
 * - at `graceMs` the process exits whatever still runs.
 */
function boundShutdown(server: HttpServer, graceMs: number): void {
  const onSignal = () => {
    setInterval(() => server.closeIdleConnections(), IDLE_CLOSE_INTERVAL_MS).unref();
    setTimeout(() => server.closeAllConnections(), graceMs - drainReserveMs(graceMs)).unref();
    setTimeout(() => process.exit(1), graceMs).unref();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

const IDLE_CLOSE_INTERVAL_MS = 200;

/** Time kept after cutting the last streams for their settlement and the shutdown hooks: a quarter of the grace, at most 5 s. */
export function drainReserveMs(graceMs: number): number {
  return Math.min(5_000, Math.floor(graceMs / 4));
}

/**
 * Answers an oversized body with 413 in the envelope only after reading it (up to a bound): replying and
 * closing while the client still uploads makes clients see EPIPE instead of the error.
 */
function refuseOversizedBodies(adapter: FastifyAdapter, bodyLimitBytes: number, errorEnvelopes: readonly PathErrorEnvelope[]): void {
  const drainBytesMax = bodyLimitBytes * 16;
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    const declaredBytes = Number(request.headers['content-length'] ?? 0);
    if (!(declaredBytes > bodyLimitBytes)) return done();
    const error = new AppError('request_too_large', `Request body is ${declaredBytes} bytes; the limit is ${bodyLimitBytes} bytes.`);
    const refuse = () => void reply.code(413).header('content-type', 'application/json').header('connection', 'close').send(envelopeForUrl(request.url, errorEnvelopes)(error, undefined));
    if (declaredBytes > drainBytesMax) return refuse();
    request.raw.once('end', refuse);
    request.raw.once('error', refuse);
    request.raw.resume();
  });
}
