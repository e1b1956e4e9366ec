import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ChainDepositConfirmed } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { getAddress } from 'viem';
import { DepositAsset } from '../deposits/deposit-asset';
import { FundingService } from './funding.service';

/**
 * Durable consumer of chain.deposit.confirmed: settles the deposit's workspace and books the credit in the ledger.
 * Acked only after the ledger answered; a failure is nak'ed with backoff (the lib dead-letters after N).
 */
@Injectable()
export class DepositConfirmedConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(DepositConfirmedConsumer.name);

  constructor(
    private readonly jetStream: JetStreamClient,
    private readonly funding: FundingService,
    private readonly asset: DepositAsset,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.asset.enabled) return;
    await this.jetStream.consume(
      ChainDepositConfirmed,
      (event) =>
        this.funding.settle(event.workspaceId, { chainId: event.chainId, tokenAddress: getAddress(event.token), decimals: event.tokenDecimals, symbol: event.tokenSymbol }),
      { durableName: 'chain-watcher-funding', maxDeliveries: 20, ackWaitMs: 30_000, retryDelayMsBase: 500, retryDelayMsMax: 30_000, maxInFlight: 16 },
    );
    this.logger.log('consuming chain.deposit.confirmed');
  }
}
