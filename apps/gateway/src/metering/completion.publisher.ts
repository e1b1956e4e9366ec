import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { COMPLETIONS_PER_MESSAGE_MAX, type EventPayload, GatewayRequestCompleted, GatewayRequestsCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { GatewayMetrics } from './gateway.metrics';
import { InFlightHandlers } from './in-flight-handlers';
import { AttemptHealthReporter } from '../completion/attempt-health.reporter';

export type RequestCompletedPayload = EventPayload<typeof GatewayRequestCompleted>;

const PUBLISH_TIMEOUT_MS = 5_000;
const ATTEMPTS_MAX = 6;
const RETRY_DELAY_MS_BASE = 250;
const PENDING_MAX = 10_000;
/** Serialized size a message of several completions stays under (JetStream refuses messages over 1 MiB). */
const BATCH_BYTES_MAX = 256 * 1_024;
/** At shutdown, how long to wait for route handlers to settle (and publish) before flushing. */
const HANDLERS_IDLE_WAIT_MS = 5_000;
/** How long the end of a served response waits for JetStream's ack of its completion (see publishBeforeAnswer). */
const BEFORE_ANSWER_WAIT_MS = 2_000;

interface QueuedCompletion {
  payload: RequestCompletedPayload;
  published: (value: void) => void;
}

/**
 * Publishes completions to JetStream: a served response's before its end reaches the client (publishBeforeAnswer),
 * any other after the response ended, not awaited by the client. Completions queued in the same loop turn go out
 * together as one `gateway.requests.completed` message (one publish and ack for all); a lone one, or one carrying
 * content, as `gateway.request.completed`. Failures are retried in the background (bounded); `Nats-Msg-Id` makes
 * a retry of the same message a no-op.
 */
@Injectable()
export class CompletionPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(CompletionPublisher.name);
  private readonly pending = new Set<Promise<void>>();
  private forming: QueuedCompletion[] = [];
  private queuedCompletions = 0;

  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly metrics: GatewayMetrics,
    private readonly handlers: InFlightHandlers,
    private readonly healthReports: AttemptHealthReporter,
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

  /** Queues the completion for this loop turn's message; resolves when it was acked or given up (never rejects). */
  private track(payload: RequestCompletedPayload): Promise<void> {
    this.metrics.completed(payload);
    this.healthReports.record(payload);
    if (this.queuedCompletions >= PENDING_MAX) {
      this.logger.error({ requestId: payload.requestId }, 'completion publish queue full; the hold will expire and be reconciled');
      return Promise.resolve();
    }
    this.queuedCompletions++;
    return new Promise<void>((published) => {
      if (this.forming.length === 0) setImmediate(() => this.flush());
      this.forming.push({ payload, published });
    });
  }

  /** Sends what this loop turn queued: content-carrying completions alone, the rest in messages of bounded size. */
  private flush(): void {
    const queued = this.forming;
    this.forming = [];
    // alone in its turn (the usual case at low load): nothing to group, so no size to measure
    if (queued.length === 1) {
      this.publishGroup(queued);
      return;
    }
    let group: QueuedCompletion[] = [];
    let groupBytes = 0;
    for (const completion of queued) {
      if (completion.payload.content !== undefined) {
        this.publishGroup([completion]);
        continue;
      }
      const bytes = JSON.stringify(completion.payload).length;
      if (group.length > 0 && (group.length >= COMPLETIONS_PER_MESSAGE_MAX || groupBytes + bytes > BATCH_BYTES_MAX)) {
        this.publishGroup(group);
        group = [];
        groupBytes = 0;
      }
      group.push(completion);
      groupBytes += bytes;
    }
    if (group.length > 0) this.publishGroup(group);
  }

  private publishGroup(group: QueuedCompletion[]): void {
    const task = this.publishWithRetries(group.map((completion) => completion.payload)).finally(() => {
      this.pending.delete(task);
      this.queuedCompletions -= group.length;
      for (const completion of group) completion.published();
    });
    this.pending.add(task);
  }

  private async publishWithRetries(payloads: RequestCompletedPayload[]): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
      try {
        // Typed and built here; billing validates each one where it is consumed.
        const options = { timeoutMs: PUBLISH_TIMEOUT_MS, validate: false };
        if (payloads.length === 1) await this.jetStream.publish(GatewayRequestCompleted, payloads[0]!, options);
        else await this.jetStream.publish(GatewayRequestsCompleted, { events: payloads }, options);
        return;
      } catch (error) {
        if (attempt === ATTEMPTS_MAX) {
          this.logger.error({ err: error, requestIds: payloads.map((payload) => payload.requestId) }, 'completion not published; the hold will expire and be reconciled');
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
    if (this.forming.length > 0) this.flush();
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  }
}
