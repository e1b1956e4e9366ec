import { Inject, Injectable } from '@nestjs/common';
import { cryptoAssetAccount, LedgerAccountOpen, LedgerAssetAccountOpen, LedgerTransferCreate, microsToWire, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import type { CreditRow } from './funding-credits.repository';

/**
 * Books one credit in the ledger as one business event (all legs or none), idempotent by its journal and leg keys:
 * gross debited to the crypto asset account, net credited to the workspace, fee to funding-fee revenue.
 */
@Injectable()
export class LedgerFundingClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  async book(credit: CreditRow): Promise<void> {
    const timeoutMs = this.env.LEDGER_REQUEST_TIMEOUT_MS;
    const asset = cryptoAssetAccount(credit.chainId, this.env.CHAIN_TOKEN_SYMBOL);
    const metadata = { creditId: credit.id, chainId: credit.chainId, deposits: credit.depositCount, grossMicros: microsToWire(credit.grossMicros) };
    const legs = [
      { idempotencyKey: `${credit.journalKey}:net`, debitAccount: asset, creditAccount: workspaceCreditAccount(credit.workspaceId), amountMicros: microsToWire(credit.netMicros), reason: 'deposit' as const, metadata },
      ...(credit.feeMicros > 0n
        ? [{ idempotencyKey: `${credit.journalKey}:fee`, debitAccount: asset, creditAccount: SYSTEM_ACCOUNTS.fundingFeeRevenue, amountMicros: microsToWire(credit.feeMicros), reason: 'funding_fee' as const, metadata }]
        : []),
    ].filter((leg) => leg.amountMicros !== '0');
    try {
      await this.bus.request(LedgerAssetAccountOpen, { accountCode: asset }, { timeoutMs });
      await this.bus.request(LedgerAccountOpen, { workspaceId: credit.workspaceId }, { timeoutMs });
      await this.bus.request(LedgerTransferCreate, { journalKey: credit.journalKey, transfers: legs }, { timeoutMs });
    } catch (error) {
      // A missing account or an unreachable ledger is worth retrying:
      // the deposit stays owed, never dropped.
      if (error instanceof AppError && (error.code === 'not_found' || error.retryable)) {
        throw new AppError('service_unavailable', `ledger could not book credit ${credit.id}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}
