import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { GatewayMetrics } from './gateway.metrics';
import { InFlightHandlers } from './in-flight-handlers';

export type RequestCompletedPayload = EventPayload<typeof GatewayRequestCompleted>;

const PUBLISH_TIMEOUT_MS = 5_000;
const ATTEMPTS_MAX = 6;
const RETRY_DELAY_MS_BASE = 250;
const PENDING_MAX = 10_000;
/** At shutdown, how long to wait for route handlers to settle (and publish) before flushing. */
const HANDLERS_IDLE_WAIT_MS = 5_000;
/** How long the end of a served response waits for JetStream's ack of its completion (see publishBeforeAnswer). */
const BEFORE_ANSWER_WAIT_MS = 2_000;

/**
 * Publishes `gateway.request.completed` to JetStream: a served response's before its end reaches the client
 * (publishBeforeAnswer), any other after the response ended, not awaited by the client.
 * Failures are retried in the background (bounded); `Nats-Msg-Id` = request id makes a retry a no-op.
 */
@Injectable()
export class CompletionPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(CompletionPublisher.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly metrics: GatewayMetrics,
    private readonly handlers: InFlightHandlers,
  ) {}

  publishInBackground(payload: RequestCompletedPayload): void {
    void this.track(payload);
  }

  /**
   * For a served response, before its last bytes (the usage, `[DONE]`, the JSON body) reach the client: publishes
   * and waits for JetStream's ack, at most BEFORE_ANSWER_WAIT_MS. Publishing only after the response ended lost the
   * completion — and the charge — of every request a client had already received in full when the gateway died
   * (kill -9 chaos test: the hold expired, the request was never billed). Once acked, the event is in the stream
   * whatever happens to this process. If NATS does not ack in time, the answer goes out and the retries carry on.
   */
  async publishBeforeAnswer(payload: RequestCompletedPayload): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.track(payload), new Promise<void>((resolve) => (timer = setTimeout(resolve, BEFORE_ANSWER_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Starts the publish with its retries; resolves when it was acked or given up (never rejects). */
  private track(payload: RequestCompletedPayload): Promise<void> {
    this.metrics.completed(payload);
    if (this.pending.size >= PENDING_MAX) {
      this.logger.error({ requestId: payload.requestId }, 'completion publish queue full; the hold will expire and be reconciled');
      return Promise.resolve();
    }
    const task = this.publishWithRetries(payload).finally(() => this.pending.delete(task));
    this.pending.add(task);
    return task;
  }

  private async publishWithRetries(payload: RequestCompletedPayload): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
      try {
        await this.jetStream.publish(GatewayRequestCompleted, payload, { timeoutMs: PUBLISH_TIMEOUT_MS });
        return;
      } catch (error) {
        if (attempt === ATTEMPTS_MAX) {
          this.logger.error({ err: error, requestId: payload.requestId }, 'gateway.request.completed not published; the hold will expire and be reconciled');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS_BASE * 2 ** (attempt - 1)));
      }
    }
  }

  /** Lets in-flight publishes finish before the connection drains. */
  async onApplicationShutdown(): Promise<void> {
    // Streams the drain deadline cut have closed sockets but may not have handed over their completion yet.
    await this.handlers.idle(HANDLERS_IDLE_WAIT_MS);
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  }
}
