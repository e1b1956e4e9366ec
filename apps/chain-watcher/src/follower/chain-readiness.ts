import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@switchyard/nest-common';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { ChainFollowerService } from './chain-follower.service';
import { ChainReader } from './chain.reader';

/**
 * Registers `chain` as a readiness check only when a chain is configured: the RPC must answer a block number,
 * finality must not trail the head too far, and the follower must keep up with the finalized block.
 * The failing message says which and by how much.
 */
@Injectable()
export class ChainReadiness implements OnModuleInit {
  constructor(
    private readonly reader: ChainReader,
    private readonly follower: ChainFollowerService,
    private readonly readiness: ReadinessRegistry,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  onModuleInit(): void {
    if (!this.reader.configured) return;
    this.readiness.register('chain', async () => {
      await this.reader.head();
      const status = this.follower.status;
      if (!status) return;
      const finalityLag = status.head - status.finalized;
      if (finalityLag > BigInt(this.env.CHAIN_MAX_FINALITY_LAG_BLOCKS)) {
        throw new Error(`finality lags ${finalityLag} blocks behind the head (head ${status.head}, finalized ${status.finalized}; max ${this.env.CHAIN_MAX_FINALITY_LAG_BLOCKS})`);
      }
      const followerLag = status.finalized - status.scanned;
      if (followerLag > BigInt(this.env.CHAIN_MAX_FOLLOWER_LAG_BLOCKS)) {
        throw new Error(`follower is ${followerLag} final blocks behind (scanned ${status.scanned}, finalized ${status.finalized}; max ${this.env.CHAIN_MAX_FOLLOWER_LAG_BLOCKS})`);
      }
      const staleMs = Date.now() - status.lastSuccessAt;
      const maxStaleMs = Math.max(30_000, this.env.CHAIN_POLL_INTERVAL_MS * 10);
      if (staleMs > maxStaleMs) throw new Error(`last successful poll ${Math.round(staleMs / 1000)} s ago`);
    });
  }
}
