import { Inject, Injectable } from '@nestjs/common';
import { context as otelContext } from '@opentelemetry/api';
import { AppError } from '@switchyard/errors';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';
import { BillingMetrics } from './billing.metrics';
import { settlementQueueMax } from './settlement-capacity';
import { type CompletedRequest, type PendingSettlement, type SettlementOutcome, SettlementService } from './settlement.service';

interface QueuedRequest extends PendingSettlement {
  queuedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for settlements: events handled concurrently wait here and are settled as one batch, one
 * transaction, one ledger message. One batch is in flight at a time. A batch starts once it is full or once its
 * oldest event has waited SETTLEMENT_LINGER_MS, whether that wait began after a quiet spell or while the batch
 * before was in flight: at low rates a batch is then one linger's worth of events, not the one or two that came
 * in while the previous batch was written. Each event gets its own outcome, so the consumer still acks, naks or
 * dead-letters every message on its own.
 */
@Injectable()
export class SettlementBatcher {
  private queue: QueuedRequest[] = [];
  private running = false;
  private lingering?: NodeJS.Timeout;
  private starting?: NodeJS.Immediate;
  private readonly maxBatchEvents: number;
  private readonly lingerMs: number;
  /** More than the consumers can hand over at once means a bug upstream, so shed it. */
  private readonly maxQueuedEvents: number;

  constructor(
    private readonly settlement: SettlementService,
    private readonly metrics: BillingMetrics,
    @Inject(BILLING_ENV) env: BillingEnv,
  ) {
    this.maxBatchEvents = env.SETTLEMENT_BATCH_MAX;
    this.maxQueuedEvents = settlementQueueMax(env.SETTLEMENT_BATCH_MAX);
    this.lingerMs = env.SETTLEMENT_LINGER_MS ?? 0;
  }

  /**
   * Resolves once the request is settled (now or before); rejects with why it was not. `receivedAt` is when its
   * message arrived, if that was earlier (the consumer gathers messages): its linger counts from then.
   */
  submit(request: CompletedRequest, receivedAt = Date.now()): Promise<void> {
    if (this.queue.length >= this.maxQueuedEvents) return Promise.reject(new AppError('service_unavailable', 'Billing settlement queue is full; retry.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, traceContext: otelContext.active(), queuedAt: receivedAt, resolve, reject });
      this.schedule();
    });
  }

  /**
   * The next batch's start: once it is full or its oldest event has lingered enough, else when it will have. A new
   * event's batch starts on the next loop turn, so the messages already pulled in this one join it; after a batch
   * ends, the next one starts at once.
   */
  private schedule(afterBatch = false): void {
    if (this.running || this.starting || this.queue.length === 0) return;
    const waitMs = this.queue.length >= this.maxBatchEvents ? 0 : this.lingerMs - (Date.now() - this.queue[0]!.queuedAt);
    if (waitMs > 0) {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        this.schedule();
      }, waitMs);
      return;
    }
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (afterBatch) {
      void this.runNext();
      return;
    }
    this.starting = setImmediate(() => {
      this.starting = undefined;
      void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    try {
      await this.run(this.queue.splice(0, this.maxBatchEvents));
    } finally {
      this.running = false;
      this.schedule(true);
    }
  }

  private async run(batch: QueuedRequest[]): Promise<void> {
    this.metrics.recordBatch(batch.length);
    let outcomes: SettlementOutcome[];
    try {
      outcomes = await this.settlement.settleMany(batch);
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => (outcome.ok ? batch[index]!.resolve() : batch[index]!.reject(outcome.error)));
  }
}
