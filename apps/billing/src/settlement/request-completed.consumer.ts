import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GatewayRequestCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { SettlementService } from './settlement.service';

/** Durable pull consumer of gateway.request.completed; the lib acks after settle() resolves, naks with backoff on throw. */
@Injectable()
export class RequestCompletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly settlement: SettlementService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetStream.consume(GatewayRequestCompleted, (event) => this.settlement.settle(event), {
      durableName: 'billing-request-completed',
      maxDeliveries: 10,
      ackWaitMs: 30_000,
      retryDelayMsBase: 500,
      retryDelayMsMax: 30_000,
      maxInFlight: 64,
    });
  }
}
