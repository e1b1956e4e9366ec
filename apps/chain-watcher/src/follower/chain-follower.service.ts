import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createPublicClient, getAddress, webSocket } from 'viem';
import { DepositAddressesRepository } from '../addresses/deposit-addresses.repository';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { DepositAsset } from '../deposits/deposit-asset';
import { type DepositAssetInfo, DepositsRepository, type OwnedTransfer } from '../deposits/deposits.repository';
import { FundingService } from '../funding/funding.service';
import { OutboxRelay } from '../outbox/outbox.relay';
import { ChainReader, type TokenTransfer } from './chain.reader';
import { FollowerCursorRepository } from './follower-cursor.repository';
import { FollowerLeaderLock } from './follower-leader.lock';
import { FollowerMetrics } from './follower.metrics';

export interface FollowerStatus {
  chainId: number;
  head: bigint;
  finalized: bigint;
  scanned: bigint;
  lastSuccessAt: number;
}

/**
 * Follows the chain. Without a deposit token it only records the head. With one, each poll:
 * 1. reads head and the finalized block (the only blocks that may be credited);
 * 2. backfills [scanned + 1, finalized] in bounded eth_getLogs ranges (Transfer logs of the token to our
 *    addresses), confirming each range's logs and advancing the cursor in one transaction, so a restart resumes
 *    exactly where the last committed range ended;
 * 3. once caught up, scans (finalized, head] for pending deposits and drops pending ones a reorg removed;
 * 4. publishes chain.deposit.confirmed from the outbox and books any credit not booked yet.
 * Only the replica holding the follower lock polls (see FollowerLeaderLock); the others check the lock each
 * interval and stay ready but idle, so a dead leader is replaced within about one poll interval.
 */
@Injectable()
export class ChainFollowerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChainFollowerService.name);
  private chainId?: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private polling = false;
  /** A new head arrived while a poll ran: poll again right after it instead of waiting the interval. */
  private headDuringPoll = false;
  private stopped = false;
  private unwatch?: () => void;
  private lastStatus?: FollowerStatus;

  constructor(
    private readonly reader: ChainReader,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
    private readonly cursors: FollowerCursorRepository,
    private readonly metrics: FollowerMetrics,
    private readonly addresses: DepositAddressesRepository,
    private readonly deposits: DepositsRepository,
    private readonly asset: DepositAsset,
    private readonly relay: OutboxRelay,
    private readonly funding: FundingService,
    private readonly leader: FollowerLeaderLock,
  ) {}

  get status(): FollowerStatus | undefined {
    return this.lastStatus;
  }

  onApplicationBootstrap(): void {
    if (!this.reader.configured) {
      this.logger.log('CHAIN_RPC_URL is not set: the chain follower is off');
      return;
    }
    // Not awaited: an RPC that is down at boot must not stop the service; readiness reports it instead.
    this.schedule(0);
    if (this.env.CHAIN_WS_URL) this.watchHeads(this.env.CHAIN_WS_URL);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    clearTimeout(this.timer);
    await this.running;
  }

  /** New heads over WebSocket only wake the poll early; the poll (and its cursor) stays the source of truth. */
  private watchHeads(url: string): void {
    const client = createPublicClient({ transport: webSocket(url, { reconnect: true, keepAlive: true }) });
    this.unwatch = client.watchBlockNumber({
      emitOnBegin: false,
      onBlockNumber: () => {
        if (this.stopped) return;
        if (this.polling) {
          this.headDuringPoll = true;
          return;
        }
        clearTimeout(this.timer);
        this.schedule(0);
      },
      onError: (error) => this.logger.warn({ err: error }, 'head subscription failed; polling continues'),
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = true;
      this.headDuringPoll = false;
      this.running = this.poll().finally(() => {
        this.polling = false;
        this.schedule(this.headDuringPoll ? 0 : this.env.CHAIN_POLL_INTERVAL_MS);
      });
    }, delayMs);
  }

  /** One poll; a failure is logged and counted and the next poll tries again (never overlapping). */
  private async poll(): Promise<void> {
    try {
      this.chainId ??= await this.reader.resolveChainId();
      const chainId = this.chainId;
      const leading = await this.leader.ensureLeader(chainId);
      this.metrics.recordLeader(chainId, leading);
      if (!leading) {
        // A standby has no progress of its own to report: readiness judges only the leader's.
        this.lastStatus = undefined;
        return;
      }
      const head = await this.reader.head();
      if (!this.asset.enabled) {
        await this.cursors.saveHead(chainId, head);
        this.metrics.recordHead(chainId, head);
        this.metrics.recordPollSucceeded(chainId);
        return;
      }
      const finalizedTag = await this.reader.finalized(head);
      const finalized = finalizedTag > head ? head : finalizedTag;
      await this.cursors.saveHead(chainId, head, finalized);
      const asset = await this.asset.resolve();
      const info: DepositAssetInfo = { chainId, token: asset.tokenAddress, symbol: asset.symbol, decimals: asset.decimals };
      const scanned = await this.backfill(info, finalized);
      if (scanned >= finalized) await this.scanPending(info, scanned, head);
      this.lastStatus = { chainId, head, finalized, scanned, lastSuccessAt: Date.now() };
      this.metrics.recordProgress(chainId, { head, finalized, scanned });
      this.metrics.recordPollSucceeded(chainId);
      await this.relay.flush();
      await this.funding.bookUnbooked().catch((error: unknown) => this.logger.warn({ err: error }, 'booking deposit credits failed; will retry'));
    } catch (error) {
      this.metrics.recordError(this.chainId);
      this.logger.warn({ err: error, chainId: this.chainId }, 'chain poll failed; will retry');
    }
  }

  /** Scans final blocks from the stored cursor in bounded ranges; returns the new cursor. */
  private async backfill(asset: DepositAssetInfo, finalized: bigint): Promise<bigint> {
    const stored = (await this.cursors.read(asset.chainId))?.scanned;
    let cursor = stored ?? (this.env.CHAIN_START_BLOCK !== undefined ? this.env.CHAIN_START_BLOCK - 1n : finalized);
    if (stored === undefined) await this.deposits.recordFinal(asset, [], { fromBlock: cursor + 1n, toBlock: cursor });
    const range = BigInt(this.env.CHAIN_LOG_RANGE_BLOCKS);
    // Addresses are read once, after the finalized block: an address created later cannot have a deposit at or below it.
    const owners = await this.addresses.all();
    const watched = [...owners.keys()].map((a) => getAddress(a));
    for (let i = 0; i < this.env.CHAIN_MAX_RANGES_PER_POLL && cursor < finalized && !this.stopped && (await this.leader.ensureLeader(asset.chainId)); i++) {
      const fromBlock = cursor + 1n;
      const toBlock = owners.size === 0 ? finalized : cursor + range < finalized ? cursor + range : finalized;
      const logs = await this.reader.transfersTo(watched, fromBlock, toBlock);
      const { confirmed, dropped } = await this.deposits.recordFinal(asset, this.own(logs, owners), { fromBlock, toBlock });
      this.metrics.recordDeposits(asset.chainId, 'confirmed', confirmed);
      this.metrics.recordDeposits(asset.chainId, 'dropped', dropped);
      cursor = toBlock;
    }
    return cursor;
  }

  /** Deposits above the finalized block are pending; a pending one no longer on the canonical chain is dropped. */
  private async scanPending(asset: DepositAssetInfo, scanned: bigint, head: bigint): Promise<void> {
    const windowStart = head - BigInt(this.env.CHAIN_PENDING_WINDOW_BLOCKS) + 1n;
    const fromBlock = scanned + 1n > windowStart ? scanned + 1n : windowStart;
    const owners = await this.addresses.all();
    const logs = fromBlock <= head ? await this.reader.transfersTo([...owners.keys()].map((a) => getAddress(a)), fromBlock, head) : [];
    const { dropped } = await this.deposits.recordPending(asset, this.own(logs, owners), fromBlock);
    if (dropped > 0) this.logger.warn({ dropped, fromBlock: fromBlock.toString() }, 'pending deposits dropped by a reorg');
    this.metrics.recordDeposits(asset.chainId, 'dropped', dropped);
  }

  private own(logs: TokenTransfer[], owners: Map<string, string>): OwnedTransfer[] {
    return logs.flatMap((log) => {
      const workspaceId = owners.get(log.to.toLowerCase());
      return workspaceId ? [{ ...log, workspaceId }] : [];
    });
  }
}
