import { Inject, Injectable } from '@nestjs/common';
import { context as otelContext } from '@opentelemetry/api';
import { AppError } from '@switchyard/errors';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';
import { BillingMetrics } from './billing.metrics';
import { settlementQueueMax } from './settlement-capacity';
import { type CompletedRequest, type PendingSettlement, type SettlementOutcome, SettlementService } from './settlement.service';

interface QueuedRequest extends PendingSettlement {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for settlements: events handled concurrently wait here and are settled as one batch, one
 * transaction. One batch is in flight at a time; the events that arrive meanwhile form the next one, so
 * batches grow with load; after a quiet spell the first event waits SETTLEMENT_LINGER_MS for company. Each
 * event gets its own outcome, so the consumer still acks, naks or dead-letters every message on its own.
 */
@Injectable()
export class SettlementBatcher {
  private queue: QueuedRequest[] = [];
  private running = false;
  private lingering?: NodeJS.Timeout;
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

  /** Resolves once the request is settled (now or before); rejects with why it was not. */
  submit(request: CompletedRequest): Promise<void> {
    if (this.queue.length >= this.maxQueuedEvents) return Promise.reject(new AppError('service_unavailable', 'Billing settlement queue is full; retry.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, traceContext: otelContext.active(), resolve, reject });
      if (!this.running) {
        this.running = true;
        // After the linger (or on the next loop turn): the messages already pulled join the first batch.
        if (this.lingerMs > 0) this.lingering = setTimeout(() => void this.drain(), this.lingerMs);
        else setImmediate(() => void this.drain());
      } else if (this.lingering && this.queue.length >= this.maxBatchEvents) {
        // a full batch does not wait
        clearTimeout(this.lingering);
        this.lingering = undefined;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    this.lingering = undefined;
    try {
      while (this.queue.length > 0) await this.run(this.queue.splice(0, this.maxBatchEvents));
    } finally {
      this.running = false;
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
