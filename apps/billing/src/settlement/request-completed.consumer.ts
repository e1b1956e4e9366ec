import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GatewayRequestCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';
import { SettlementBatcher } from './settlement.batcher';

/**
 * Durable pull consumer of gateway.request.completed; the lib acks a message after its settlement resolves, naks
 * with backoff (or dead-letters) when it throws. Twice a batch is handled at once: one batch being written, the
 * next one forming.
 */
@Injectable()
export class RequestCompletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly batcher: SettlementBatcher,
    @Inject(BILLING_ENV) private readonly env: BillingEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const concurrency = this.env.SETTLEMENT_BATCH_MAX * 2;
    await this.jetStream.consume(GatewayRequestCompleted, (event) => this.batcher.submit(event), {
      durableName: 'billing-request-completed',
      maxDeliveries: 10,
      ackWaitMs: 30_000,
      retryDelayMsBase: 500,
      retryDelayMsMax: 30_000,
      maxInFlight: concurrency,
      concurrency,
    });
  }
}
