import { Inject, Injectable } from '@nestjs/common';
import { cryptoAssetAccount, LedgerAccountOpen, LedgerAssetAccountOpen, LedgerTransferCreate, microsToWire, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import type { PaymentSplit } from './payment-amount';

export interface SettledPayment {
  chainId: number;
  txHash: string;
  logIndex: number;
  from: string;
  amountBaseUnits: bigint;
}

/**
 * Books a settled agent payment like a deposit, as one business event: gross from the crypto asset account, net to
 * the payer workspace's credit, fee (if the operator set one) to funding-fee revenue. Idempotent by the journal key
 * `agent-payment:<chainId>:<txHash>:<logIndex>`: one Transfer log is booked at most once, whoever presents it.
 */
@Injectable()
export class AgentPaymentsLedgerClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  async openAccounts(workspaceId: string): Promise<void> {
    await this.send(() => this.bus.request(LedgerAccountOpen, { workspaceId }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
  }

  /** `created` the first time this Transfer log is booked, `exists` when it already was. */
  async book(workspaceId: string, payment: SettledPayment, split: PaymentSplit, challengeId: string): Promise<'created' | 'exists'> {
    const journalKey = `agent-payment:${payment.chainId}:${payment.txHash.toLowerCase()}:${payment.logIndex}`;
    const asset = cryptoAssetAccount(payment.chainId, this.env.AGENT_PAYMENTS_TOKEN_SYMBOL);
    const metadata = { workspaceId, challengeId, chainId: payment.chainId, txHash: payment.txHash, from: payment.from, grossMicros: microsToWire(split.grossMicros) };
    const legs = [
      { idempotencyKey: `${journalKey}:net`, debitAccount: asset, creditAccount: workspaceCreditAccount(workspaceId), amountMicros: microsToWire(split.netMicros), reason: 'agent_payment' as const, metadata },
      { idempotencyKey: `${journalKey}:fee`, debitAccount: asset, creditAccount: SYSTEM_ACCOUNTS.fundingFeeRevenue, amountMicros: microsToWire(split.feeMicros), reason: 'funding_fee' as const, metadata },
    ].filter((leg) => leg.amountMicros !== '0');
    if (legs.length === 0) return 'exists';
    await this.send(() => this.bus.request(LedgerAssetAccountOpen, { accountCode: asset }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
    const result = await this.send(() => this.bus.request(LedgerTransferCreate, { journalKey, transfers: legs }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
    return result.transfers.every((t) => t.status === 'exists') ? 'exists' : 'created';
  }

  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal' && error.code !== 'not_found') throw error;
      // not_found: the crypto asset account is not opened yet (operator setup) — the payment stays owed, retryable.
      throw new AppError('service_unavailable', 'The ledger cannot book the payment right now; retry with the same credential.', { cause: error });
    }
  }
}
