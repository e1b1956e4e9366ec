import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JetStreamClient } from '@switchyard/nats';
import { ReadinessRegistry } from './readiness.registry';

/** Registers the JetStream connection as a readiness check (the service cannot move money without it). */
@Injectable()
export class NatsReadiness implements OnModuleInit {
  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('nats', async () => {
      if (!(await this.jetStream.isConnected())) throw new Error('not connected');
    });
  }
}
