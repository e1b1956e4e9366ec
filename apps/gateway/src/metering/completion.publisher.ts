import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';

export type RequestCompletedPayload = EventPayload<typeof GatewayRequestCompleted>;

const PUBLISH_TIMEOUT_MS = 5_000;
const ATTEMPTS_MAX = 6;
const RETRY_DELAY_MS_BASE = 250;
const PENDING_MAX = 10_000;

/**
 * Publishes `gateway.request.completed` to JetStream after the response ended, never awaited by the client.
 * Failures are retried in the background (bounded); `Nats-Msg-Id` = request id makes a retry a no-op.
 */
@Injectable()
export class CompletionPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(CompletionPublisher.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly jetStream: JetStreamClient) {}

  publishInBackground(payload: RequestCompletedPayload): void {
    if (this.pending.size >= PENDING_MAX) {
      this.logger.error({ requestId: payload.requestId }, 'completion publish queue full; the hold will expire and be reconciled');
      return;
    }
    const task = this.publishWithRetries(payload).finally(() => this.pending.delete(task));
    this.pending.add(task);
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
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  }
}
