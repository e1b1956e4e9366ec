import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, Gauge, type Registry } from 'prom-client';

@Injectable()
export class FollowerMetrics {
  private readonly headBlock: Gauge<'chain_id'>;
  private readonly pollErrors: Counter<'chain_id'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.headBlock = new Gauge({ name: 'chain_follower_head_block', help: 'Latest block number the follower read from the chain', labelNames: ['chain_id'], registers: [registry] });
    this.pollErrors = new Counter({ name: 'chain_follower_poll_errors_total', help: 'Follower polls that failed (RPC or database)', labelNames: ['chain_id'], registers: [registry] });
  }

  recordHead(chainId: number | undefined, block: bigint): void {
    this.headBlock.set({ chain_id: String(chainId ?? 'unknown') }, Number(block));
  }

  recordError(chainId: number | undefined): void {
    this.pollErrors.inc({ chain_id: String(chainId ?? 'unknown') });
  }
}
