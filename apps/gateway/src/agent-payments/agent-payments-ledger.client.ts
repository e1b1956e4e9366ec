import { Inject, Injectable } from '@nestjs/common';
import { cryptoAssetAccount, LedgerAccountOpen, LedgerAssetAccountOpen, LedgerBalanceGet, LedgerTransferCreate, microsToWire, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
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

  /** A payer workspace's available balance (posted − pending holds); 0 when it has no ledger account (never paid). */
  async availableMicros(workspaceId: string): Promise<bigint> {
    try {
      const reply = await this.bus.request(LedgerBalanceGet, { workspaceId }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS });
      return BigInt(reply.availableMicros);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return 0n;
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'The ledger is unavailable; retry shortly.', { cause: error });
    }
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

  /**
   * A refund of a payer's leftover balance, booked before the tokens leave the payout wallet: the net from the payer
   * credit back to the crypto asset (the tokens go out), the refund fee to funding-fee revenue. The ledger refuses it
   * (insufficient_balance) when the balance no longer covers it, so two refunds never pay out the same balance.
   */
  async bookRefund(workspaceId: string, refundId: string, amounts: { netMicros: bigint; feeMicros: bigint }, metadata: Record<string, string>): Promise<void> {
    const journalKey = `agent-refund:${refundId}`;
    const asset = cryptoAssetAccount(this.env.AGENT_PAYMENTS_CHAIN_ID, this.env.AGENT_PAYMENTS_TOKEN_SYMBOL);
    const meta = { ...metadata, kind: 'refund', workspaceId, refundId };
    const legs = [
      { idempotencyKey: `${journalKey}:net`, debitAccount: workspaceCreditAccount(workspaceId), creditAccount: asset, amountMicros: microsToWire(amounts.netMicros), reason: 'agent_payment' as const, metadata: meta },
      { idempotencyKey: `${journalKey}:fee`, debitAccount: workspaceCreditAccount(workspaceId), creditAccount: SYSTEM_ACCOUNTS.fundingFeeRevenue, amountMicros: microsToWire(amounts.feeMicros), reason: 'funding_fee' as const, metadata: meta },
    ].filter((leg) => leg.amountMicros !== '0');
    await this.send(() => this.bus.request(LedgerAssetAccountOpen, { accountCode: asset }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
    await this.send(() => this.bus.request(LedgerTransferCreate, { journalKey, transfers: legs }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
  }

  /** Undoes bookRefund() when the payout definitely did not leave the wallet: the balance is the payer's again. */
  async reverseRefund(workspaceId: string, refundId: string, amounts: { netMicros: bigint; feeMicros: bigint }, detail: string): Promise<void> {
    const journalKey = `agent-refund:${refundId}:reversal`;
    const asset = cryptoAssetAccount(this.env.AGENT_PAYMENTS_CHAIN_ID, this.env.AGENT_PAYMENTS_TOKEN_SYMBOL);
    const meta = { kind: 'refund_reversal', workspaceId, refundId, detail: detail.slice(0, 200) };
    const legs = [
      { idempotencyKey: `${journalKey}:net`, debitAccount: asset, creditAccount: workspaceCreditAccount(workspaceId), amountMicros: microsToWire(amounts.netMicros), reason: 'correction' as const, metadata: meta },
      { idempotencyKey: `${journalKey}:fee`, debitAccount: SYSTEM_ACCOUNTS.fundingFeeRevenue, creditAccount: workspaceCreditAccount(workspaceId), amountMicros: microsToWire(amounts.feeMicros), reason: 'correction' as const, metadata: meta },
    ].filter((leg) => leg.amountMicros !== '0');
    await this.send(() => this.bus.request(LedgerTransferCreate, { journalKey, transfers: legs }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
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
