import { Inject, Injectable, Logger } from '@nestjs/common';
import { baseUnitsToMicros, microsToBaseUnits, type TokenAsset } from '@switchyard/money';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { FollowerMetrics } from '../follower/follower.metrics';
import { FundingCreditsRepository } from './funding-credits.repository';
import { splitFunding } from './funding.policy';
import { LedgerFundingClient } from './ledger-funding.client';

/**
 * Turns final deposits into credits: below the minimum they accumulate per workspace; once the total reaches it,
 * one credit books them all (fee rounded up in base units). Every step is idempotent, so a redelivered
 * chain.deposit.confirmed, a verify and the follower can race without crediting twice.
 */
@Injectable()
export class FundingService {
  private readonly logger = new Logger(FundingService.name);

  constructor(
    private readonly credits: FundingCreditsRepository,
    private readonly ledger: LedgerFundingClient,
    private readonly metrics: FollowerMetrics,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  /** Settles the workspace's final deposits, then books every credit of it not booked yet. */
  async settle(workspaceId: string, asset: TokenAsset): Promise<void> {
    const minimumBaseUnits = this.minimumBaseUnits(asset);
    const created = await this.credits.settle(workspaceId, (total) => {
      if (total < minimumBaseUnits) return undefined;
      const split = splitFunding(total, this.env.FUNDING_FEE_BASIS_POINTS);
      const grossMicros = baseUnitsToMicros(split.grossBaseUnits, asset, 'floor');
      const feeMicros = baseUnitsToMicros(split.feeBaseUnits, asset, 'ceil');
      return { grossBaseUnits: split.grossBaseUnits, feeBaseUnits: split.feeBaseUnits, grossMicros, feeMicros, netMicros: grossMicros - feeMicros };
    });
    if (created) this.logger.log({ creditId: created.id, workspaceId, grossMicros: created.grossMicros.toString(), deposits: created.depositCount }, 'deposit credit due');
    await this.bookUnbooked(workspaceId);
  }

  /** Books credits not booked yet (all workspaces when none is given); throws when the ledger cannot, so callers retry. */
  async bookUnbooked(workspaceId?: string): Promise<number> {
    let booked = 0;
    for (const credit of await this.credits.unbooked({ workspaceId, limit: 50 })) {
      await this.ledger.book(credit);
      await this.credits.markBooked(credit.id);
      this.metrics.recordCredit(credit.chainId, credit.netMicros, credit.feeMicros);
      booked += 1;
    }
    return booked;
  }

  minimumBaseUnits(asset: TokenAsset): bigint {
    // rounded up, so a deposit a hair below the minimum never counts as reaching it
    return microsToBaseUnits(this.env.FUNDING_MINIMUM_MICROS, asset, 'ceil');
  }
}
