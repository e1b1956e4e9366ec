import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { CHAIN_CLIENT, type ChainClient } from './chain-client.provider';
import { FollowerCursorRepository } from './follower-cursor.repository';
import { FollowerMetrics } from './follower.metrics';

/**
 * Follows the chain head: every CHAIN_POLL_INTERVAL_MS reads the block number and stores it in the cursor.
 * Deposit crediting (Transfer logs, finality) builds on this cursor in a later issue; nothing is credited here.
 */
@Injectable()
export class ChainFollowerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChainFollowerService.name);
  private chainId?: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(CHAIN_CLIENT) private readonly client: ChainClient,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
    private readonly cursors: FollowerCursorRepository,
    private readonly metrics: FollowerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.client) {
      this.logger.log('CHAIN_RPC_URL is not set: the chain follower is off');
      return;
    }
    // Not awaited: an RPC that is down at boot must not stop the service; readiness reports it instead.
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule(this.env.CHAIN_POLL_INTERVAL_MS));
    }, delayMs);
  }

  /** One poll; a failure is logged and counted and the next poll tries again (never overlapping). */
  private async poll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      this.chainId ??= await this.resolveChainId(client);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      await this.cursors.saveHead(this.chainId, head);
      this.metrics.recordHead(this.chainId, head);
    } catch (error) {
      this.metrics.recordError(this.chainId);
      this.logger.warn({ err: error, chainId: this.chainId }, 'chain poll failed; will retry');
    }
  }

  private async resolveChainId(client: NonNullable<ChainClient>): Promise<number> {
    const chainId = await client.getChainId();
    if (this.env.CHAIN_ID !== undefined && chainId !== this.env.CHAIN_ID) {
      throw new Error(`CHAIN_RPC_URL serves chain ${chainId}, but CHAIN_ID is ${this.env.CHAIN_ID}`);
    }
    this.logger.log({ chainId }, 'following chain');
    return chainId;
  }
}
