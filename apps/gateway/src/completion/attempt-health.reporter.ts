import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { type Context, context as otelContext } from '@opentelemetry/api';
import { ATTEMPTS_PER_REPORT_MAX, type AttemptsObserved, GATEWAY_ATTEMPTS_OBSERVED_SUBJECT, type ObservedAttempt } from '@switchyard/contracts';
import { injectTraceHeaders, NATS_CONNECTION_OPTIONS, type NatsConnectionOptions, SharedNatsConnection } from '@switchyard/nats';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import type { RequestCompletedPayload } from '../metering/completion.publisher';

/**
 * Gathers the provider attempts of every completion and sends them to the routers every GATEWAY_HEALTH_REPORT_MS
 * (`gateway.attempts.observed`, core NATS). Routers used to observe each completion: one wake-up of every router per
 * request, which on a small machine took CPU from the requests themselves. A report carries the trace of the first
 * request in it, so the router's handling of it shows in that request's trace.
 */
@Injectable()
export class AttemptHealthReporter implements OnApplicationShutdown {
  private readonly logger = new Logger(AttemptHealthReporter.name);
  private gathered: ObservedAttempt[] = [];
  /** The trace of the first request gathered since the last report (recorded inside that request). */
  private firstTrace?: Context;
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly nats: SharedNatsConnection,
    @Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    this.nats.retain();
  }

  record(completion: Pick<RequestCompletedPayload, 'attempts' | 'completedAt'>): void {
    if (this.gathered.length === 0 && completion.attempts.length > 0) this.firstTrace = otelContext.active();
    for (const attempt of completion.attempts) this.gathered.push({ ...attempt, completedAt: completion.completedAt });
    if (this.gathered.length >= ATTEMPTS_PER_REPORT_MAX) this.send();
    else if (this.gathered.length > 0) this.timer ??= setTimeout(() => this.send(), this.env.GATEWAY_HEALTH_REPORT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.send();
    await this.sending;
    await this.nats.release();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.gathered.length > 0) {
      const report: AttemptsObserved = { attempts: this.gathered.splice(0, ATTEMPTS_PER_REPORT_MAX) };
      const headers = natsHeaders();
      injectTraceHeaders((key, value) => headers.set(key, value), this.firstTrace ?? otelContext.active());
      this.firstTrace = undefined;
      this.sending = this.sending.then(async () => {
        try {
          (await this.nats.get()).publish(`${this.options.subjectPrefix}${GATEWAY_ATTEMPTS_OBSERVED_SUBJECT}`, JSON.stringify(report), { headers });
        } catch (error) {
          this.logger.warn({ err: error, attempts: report.attempts.length }, 'attempt health report not sent; the routers miss these samples');
        }
      });
    }
  }
}
