import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GatewayRequestCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { HealthTracker } from './health-tracker';

/** Durable consumer of `gateway.request.completed` (its own name, apart from billing's) feeding the endpoints' health. */
@Injectable()
export class AttemptHealthConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly health: HealthTracker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetStream.consume(GatewayRequestCompleted, async (event) => void this.health.recordCompleted(event, Date.now()), {
      durableName: 'router-endpoint-health',
      maxDeliveries: 3,
      ackWaitMs: 10_000,
      retryDelayMsBase: 100,
      retryDelayMsMax: 1_000,
      maxInFlight: 256,
    });
  }
}
