import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type EventPayload, GatewayRequestCompleted, GatewayRequestsCompleted } from '@switchyard/contracts';
import { isPermanentFailure, JetStreamClient } from '@switchyard/nats';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';
import { SettlementBatcher } from './settlement.batcher';
import { completionBatchesInFlight } from './settlement-capacity';

/**
 * Durable pull consumers of gateway.request.completed (one completion per message) and gateway.requests.completed
 * (several); the lib acks a message after its settlements resolve, naks with backoff (or dead-letters) when one
 * throws. A message of several is redelivered whole: settling is idempotent per request, so the ones already
 * settled are answered from the ledger and the charge table again.
 */
@Injectable()
export class RequestCompletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly batcher: SettlementBatcher,
    @Inject(BILLING_ENV) private readonly env: BillingEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const retries = { maxDeliveries: 10, ackWaitMs: 30_000, retryDelayMsBase: 500, retryDelayMsMax: 30_000 };
    // Settlements wait SETTLEMENT_LINGER_MS for company anyway (counted from each message's arrival), so messages
    // are gathered that long too and parsed, validated and queued in one pass instead of one wake-up each.
    const gatherMs = this.env.SETTLEMENT_LINGER_MS;
    const concurrency = this.env.SETTLEMENT_BATCH_MAX * 2;
    const batchesInFlight = completionBatchesInFlight(this.env.SETTLEMENT_BATCH_MAX);
    await this.jetStream.consume(GatewayRequestCompleted, (event, delivery) => this.batcher.submit(event, delivery.receivedAt), {
      durableName: 'billing-request-completed',
      ...retries,
      maxInFlight: concurrency,
      concurrency,
      gatherMs,
    });
    await this.jetStream.consume(GatewayRequestsCompleted, (message, delivery) => this.settleAll(message, delivery.receivedAt), {
      durableName: 'billing-requests-completed',
      ...retries,
      maxInFlight: batchesInFlight,
      concurrency: batchesInFlight,
      gatherMs,
    });
  }

  /** Every completion of the message settled, or the error to retry it by (a retryable one first). */
  private async settleAll(message: EventPayload<typeof GatewayRequestsCompleted>, receivedAt: number): Promise<void> {
    const results = await Promise.allSettled(message.events.map((event) => this.batcher.submit(event, receivedAt)));
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (errors.length === 0) return;
    throw errors.find((error) => !isPermanentFailure(error)) ?? errors[0];
  }
}
