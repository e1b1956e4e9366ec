import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ConsumerLag, JetStreamClient } from '@switchyard/nats';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './ops.controller';

/** A scrape never waits on NATS longer than this; a slow or absent answer reports no lag series for that scrape. */
const LAG_READ_TIMEOUT_MS = 1_000;

/**
 * JetStream consumer lag, read from the server at each scrape for every durable consumer this process consumes:
 * `jetstream_consumer_pending_messages` (not yet delivered) and `jetstream_consumer_ack_pending_messages`
 * (delivered, not acknowledged). Replicas of a service share one durable consumer, so they report the same values.
 */
@Injectable()
export class JetStreamLagMetrics {
  private readonly logger = new Logger(JetStreamLagMetrics.name);

  constructor(jetStream: JetStreamClient, @Inject(METRICS_REGISTRY) registry: Registry) {
    let latest: Promise<ConsumerLag[]> | undefined;
    // Both gauges are collected in one scrape: one read of the consumers serves both.
    const read = () => {
      latest ??= withTimeout(jetStream.consumerLag(), LAG_READ_TIMEOUT_MS)
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'JetStream consumer lag not read');
          return [];
        })
        .finally(() => setTimeout(() => (latest = undefined), 0));
      return latest;
    };
    const labelNames = ['stream', 'consumer'] as const;
    new Gauge({
      name: 'jetstream_consumer_pending_messages',
      help: 'Messages in the stream not yet delivered to this durable consumer (its lag)',
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const lag of await read()) this.set({ stream: lag.stream, consumer: lag.consumer }, lag.pending);
      },
    });
    new Gauge({
      name: 'jetstream_consumer_ack_pending_messages',
      help: 'Messages delivered to this durable consumer and not acknowledged yet',
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const lag of await read()) this.set({ stream: lag.stream, consumer: lag.consumer }, lag.ackPending);
      },
    });
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
