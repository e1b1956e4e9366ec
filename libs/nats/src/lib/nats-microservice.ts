import type { INestApplication } from '@nestjs/common';
import { PrefixedNatsServer } from './prefixed-nats.server';
import type { NatsConnectionOptions } from './nats.options';

/** Attaches the service's command handlers to NATS (queue group = service name) with the HTTP app's config. */
export function connectNatsMicroservice(app: INestApplication, options: NatsConnectionOptions): void {
  const strategy = new PrefixedNatsServer(
    {
      servers: [options.url],
      queue: options.serviceName,
      name: `${options.serviceName}-server`,
      gracefulShutdown: true,
      // Nest waits the whole period after unsubscribing; in-flight commands are short, so keep it short.
      gracePeriod: 1_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    },
    options.subjectPrefix,
  );
  app.connectMicroservice({ strategy }, { inheritAppConfig: true });
}
