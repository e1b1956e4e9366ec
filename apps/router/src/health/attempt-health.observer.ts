import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GatewayRequestCompleted, GatewayRequestsCompleted } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { HealthTracker } from './health-tracker';

/**
 * Feeds the endpoints' health from every completion (`gateway.request.completed`, `gateway.requests.completed`), observed (not consumed): each router replica
 * sees every request, and health is a view of the last minutes, so replaying a backlog after a restart would only
 * record stale outcomes as fresh. A durable consumer cost a pull, a delivery and an ack per request.
 */
@Injectable()
export class AttemptHealthObserver implements OnApplicationBootstrap {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly health: HealthTracker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetStream.observe(GatewayRequestCompleted, (event) => this.health.recordCompleted(event, Date.now()));
    await this.jetStream.observe(GatewayRequestsCompleted, ({ events }) => {
      const nowMs = Date.now();
      for (const event of events) this.health.recordCompleted(event, nowMs);
    });
  }
}
