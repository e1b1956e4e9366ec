import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { SpanKind, trace } from '@opentelemetry/api';
import { AttemptsObservedSchema, GATEWAY_ATTEMPTS_OBSERVED_SUBJECT } from '@switchyard/contracts';
import { extractTraceContext, NATS_CONNECTION_OPTIONS, type NatsConnectionOptions, SharedNatsConnection } from '@switchyard/nats';
import { HealthTracker } from './health-tracker';

const tracer = trace.getTracer('@switchyard/router');

/**
 * Feeds the endpoints' health from the attempts the gateways report (`gateway.attempts.observed`, core NATS, a few
 * messages a second per gateway): every router replica hears every report, and health is a view of the last minutes,
 * so nothing is replayed after a restart. Observing each completion instead woke every router once per request.
 */
@Injectable()
export class AttemptHealthObserver implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttemptHealthObserver.name);
  private subscription?: Subscription;

  constructor(
    private readonly nats: SharedNatsConnection,
    @Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions,
    private readonly health: HealthTracker,
  ) {
    this.nats.retain();
  }

  async onApplicationBootstrap(): Promise<void> {
    const connection = await this.nats.get();
    this.subscription = connection.subscribe(`${this.options.subjectPrefix}${GATEWAY_ATTEMPTS_OBSERVED_SUBJECT}`, {
      callback: (error, message) => {
        if (error) return;
        // a child of the first reported request's trace (the gateway sends it in the headers)
        const parent = extractTraceContext((key) => message.headers?.get(key) || undefined);
        const span = tracer.startSpan(`${GATEWAY_ATTEMPTS_OBSERVED_SUBJECT} observe`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': GATEWAY_ATTEMPTS_OBSERVED_SUBJECT } }, parent);
        try {
          const parsed = AttemptsObservedSchema.safeParse(message.json());
          if (parsed.success) {
            span.setAttribute('messaging.batch.message_count', parsed.data.attempts.length);
            this.health.recordAttempts(parsed.data.attempts, Date.now());
          } else this.logger.warn({ issues: parsed.error.issues.length }, 'attempt health report dropped: not a valid report');
        } catch (handlerError) {
          this.logger.warn({ err: handlerError }, 'attempt health report not counted');
        } finally {
          span.end();
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.nats.release();
  }
}
