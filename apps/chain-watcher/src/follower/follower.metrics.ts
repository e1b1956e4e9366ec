import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, Gauge, type Registry } from 'prom-client';

const label = (chainId: number | undefined) => ({ chain_id: String(chainId ?? 'unknown') });

@Injectable()
export class FollowerMetrics {
  private readonly headBlock: Gauge<'chain_id'>;
  private readonly finalizedBlock: Gauge<'chain_id'>;
  private readonly scannedBlock: Gauge<'chain_id'>;
  private readonly finalityLag: Gauge<'chain_id'>;
  private readonly followerLag: Gauge<'chain_id'>;
  private readonly lastPoll: Gauge<'chain_id'>;
  private readonly pollErrors: Counter<'chain_id'>;
  private readonly deposits: Counter<'chain_id' | 'event'>;
  private readonly credits: Counter<'chain_id'>;
  private readonly creditedMicros: Counter<'chain_id' | 'part'>;
  private readonly leader: Gauge<'chain_id'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.headBlock = new Gauge({ name: 'chain_follower_head_block', help: 'Latest block number the follower read from the chain', labelNames: ['chain_id'], registers });
    this.finalizedBlock = new Gauge({ name: 'chain_follower_finalized_block', help: 'Highest block that may be credited (finalized tag or depth policy)', labelNames: ['chain_id'], registers });
    this.scannedBlock = new Gauge({ name: 'chain_follower_scanned_block', help: 'Every block up to this one was scanned for final deposits', labelNames: ['chain_id'], registers });
    this.finalityLag = new Gauge({ name: 'chain_finality_lag_blocks', help: 'head − finalized: how far finality trails the chain head', labelNames: ['chain_id'], registers });
    this.followerLag = new Gauge({ name: 'chain_follower_lag_blocks', help: 'finalized − scanned: final blocks the follower has not scanned yet', labelNames: ['chain_id'], registers });
    this.lastPoll = new Gauge({ name: 'chain_follower_last_poll_timestamp_seconds', help: 'When the last poll succeeded', labelNames: ['chain_id'], registers });
    this.pollErrors = new Counter({ name: 'chain_follower_poll_errors_total', help: 'Follower polls that failed (RPC or database)', labelNames: ['chain_id'], registers });
    this.deposits = new Counter({ name: 'chain_deposits_total', help: 'Deposit logs by event: confirmed (final) or dropped (reorged out before finality)', labelNames: ['chain_id', 'event'], registers });
    this.credits = new Counter({ name: 'chain_deposit_credits_total', help: 'Credits booked in the ledger', labelNames: ['chain_id'], registers });
    this.leader = new Gauge({ name: 'chain_follower_leader', help: '1 when this replica holds the follower lock and follows the chain, 0 on a standby', labelNames: ['chain_id'], registers });
    this.creditedMicros = new Counter({ name: 'chain_deposit_credited_micros_total', help: 'Micro-USD booked from deposits: net to workspaces, fee to revenue', labelNames: ['chain_id', 'part'], registers });
  }

  recordHead(chainId: number | undefined, block: bigint): void {
    this.headBlock.set(label(chainId), Number(block));
  }

  recordProgress(chainId: number, progress: { head: bigint; finalized: bigint; scanned: bigint }): void {
    this.headBlock.set(label(chainId), Number(progress.head));
    this.finalizedBlock.set(label(chainId), Number(progress.finalized));
    this.scannedBlock.set(label(chainId), Number(progress.scanned));
    this.finalityLag.set(label(chainId), Number(progress.head - progress.finalized));
    this.followerLag.set(label(chainId), Number(progress.finalized > progress.scanned ? progress.finalized - progress.scanned : 0n));
  }

  recordLeader(chainId: number, leading: boolean): void {
    this.leader.set(label(chainId), leading ? 1 : 0);
  }

  recordPollSucceeded(chainId: number): void {
    this.lastPoll.set(label(chainId), Date.now() / 1000);
  }

  recordError(chainId: number | undefined): void {
    this.pollErrors.inc(label(chainId));
  }

  recordDeposits(chainId: number, event: 'confirmed' | 'dropped', count: number): void {
    if (count > 0) this.deposits.inc({ ...label(chainId), event }, count);
  }

  recordCredit(chainId: number, netMicros: bigint, feeMicros: bigint): void {
    this.credits.inc(label(chainId));
    this.creditedMicros.inc({ ...label(chainId), part: 'net' }, Number(netMicros));
    this.creditedMicros.inc({ ...label(chainId), part: 'fee' }, Number(feeMicros));
  }
}
