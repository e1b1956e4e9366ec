import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@switchyard/nest-common';
import { CHAIN_CLIENT, type ChainClient } from './chain-client.provider';

/** Registers `chain` as a readiness check only when a chain is configured: the RPC must answer a block number. */
@Injectable()
export class ChainReadiness implements OnModuleInit {
  constructor(
    @Inject(CHAIN_CLIENT) private readonly client: ChainClient,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    const client = this.client;
    if (!client) return;
    this.readiness.register('chain', async () => {
      await client.getBlockNumber({ cacheTime: 0 });
    });
  }
}
