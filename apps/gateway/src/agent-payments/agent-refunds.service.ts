import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { baseUnitsToMicros, microsToBaseUnits, type TokenAsset } from '@switchyard/money';
import type { Address, Hex } from 'viem';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { viem } from '../wallets/viem';
import { AgentPaymentsLedgerClient } from './agent-payments-ledger.client';
import { ChainPaymentsClient } from './chain-payments.client';
import { PayerWorkspacesRepository } from './payer-workspaces.repository';
import { paymentAsset } from './payment-asset';
import { refundMessage } from './payment-challenge';
import { PaymentReplayStore } from './payment-replay.store';

/** How long the chain-watcher may wait for the payout's receipt before answering "submitted". */
const PAYOUT_WAIT_MS = 30_000;
/** A signed refund request is good this long around its `issued` time (clock skew included). */
const REFUND_SIGNATURE_WINDOW_MS = 5 * 60_000;

export interface RefundResult {
  status: 'sent' | 'submitted';
  refundId: string;
  address: string;
  /** The payer balance taken (net + fee). */
  amountMicros: bigint;
  feeMicros: bigint;
  /** What left the payout wallet, in token base units. */
  sentBaseUnits: bigint;
  txHash?: string;
}

/**
 * Paying back a payer address's leftover balance under the operator's AGENT_PAYMENTS_REFUND_POLICY: on a signed
 * request from the address (`on_request`, `automatic`), and by an idle-balance sweep (`automatic`). Book first
 * (the ledger refuses an overdraft, so a balance is paid back at most once), then the chain-watcher's payout wallet
 * sends the net; a payout that definitely failed is reversed, an unknown outcome stays booked (logged for the operator).
 */
@Injectable()
export class AgentRefundsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentRefundsService.name);
  /** Set when agent payments are enabled, the only case a refund can run; viem stays unloaded otherwise. */
  private readonly asset?: TokenAsset;
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly payers: PayerWorkspacesRepository,
    private readonly ledger: AgentPaymentsLedgerClient,
    private readonly chain: ChainPaymentsClient,
    private readonly replay: PaymentReplayStore,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    if (env.AGENT_PAYMENTS_ENABLED) this.asset = paymentAsset(env);
  }

  onApplicationBootstrap(): void {
    if (!this.env.AGENT_PAYMENTS_ENABLED || this.env.AGENT_PAYMENTS_REFUND_POLICY !== 'automatic') return;
    this.timer = setInterval(() => void this.sweep(), this.env.AGENT_PAYMENTS_REFUND_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** `POST /v1/agent-payments/refunds`: the payer signed refundMessage() (EIP-191) within the last few minutes. */
  async requestRefund(input: { address: string; issued: string; signature: string }): Promise<RefundResult> {
    if (!this.env.AGENT_PAYMENTS_ENABLED) throw new AppError('not_found', 'Agent payments are not enabled here.');
    if (this.env.AGENT_PAYMENTS_REFUND_POLICY === 'none') throw new AppError('forbidden', 'This gateway does not pay balances back (refund policy "none"); spend the balance with a "balance" credential.');
    const address = viem().getAddress(input.address);
    const issuedMs = Date.parse(input.issued);
    if (!Number.isFinite(issuedMs) || Math.abs(Date.now() - issuedMs) > REFUND_SIGNATURE_WINDOW_MS) {
      throw new AppError('invalid_request', `issued must be an RFC 3339 time within ${REFUND_SIGNATURE_WINDOW_MS / 60_000} minutes of now.`, { param: 'issued' });
    }
    let signer: Address;
    try {
      signer = await viem().recoverMessageAddress({ message: refundMessage(this.env.AGENT_PAYMENTS_REALM, this.env.AGENT_PAYMENTS_CHAIN_ID, address, input.issued), signature: input.signature as Hex });
    } catch {
      throw new AppError('invalid_request', 'The signature cannot be recovered.', { param: 'signature' });
    }
    if (!viem().isAddressEqual(signer, address)) throw new AppError('forbidden', 'The refund request is not signed by the address.');
    // Each signed request once.
    const token = createHash('sha256').update(input.signature.toLowerCase()).digest('hex');
    if ((await this.replay.claimChallenge(`refund:${token}`, 2 * REFUND_SIGNATURE_WINDOW_MS)) !== 'claimed') throw new AppError('conflict', 'This refund request was already used; sign a new one.');
    return this.refund(address, 'request');
  }

  /** Pays back everything the address's payer workspace has available (above the minimum, less the fee). */
  async refund(address: Address, trigger: 'request' | 'automatic'): Promise<RefundResult> {
    const env = this.env;
    const asset = this.asset;
    if (!asset) throw new AppError('not_found', 'Agent payments are not enabled here.');
    const { workspaceId } = this.payers.identity(env.AGENT_PAYMENTS_CHAIN_ID, address);
    const available = await this.available(workspaceId);
    const fee = env.AGENT_PAYMENTS_REFUND_FEE_MICROS;
    if (available < env.AGENT_PAYMENTS_REFUND_MIN_MICROS || available <= fee) {
      throw new AppError('conflict', `The balance of ${address} is ${available} micro-USD; refunds start at ${env.AGENT_PAYMENTS_REFUND_MIN_MICROS} micro-USD and the refund fee is ${fee}.`, {
        details: { availableMicros: available.toString(), minimumMicros: env.AGENT_PAYMENTS_REFUND_MIN_MICROS.toString(), feeMicros: fee.toString() },
      });
    }
    // Whole base units go out; a sub-unit remainder (tokens with < 6 decimals) goes to the fee, so the books match.
    const sentBaseUnits = microsToBaseUnits(available - fee, asset, 'floor');
    const netMicros = baseUnitsToMicros(sentBaseUnits, asset, 'floor');
    const amounts = { netMicros, feeMicros: available - netMicros };
    const refundId = `rf_${randomBytes(12).toString('base64url')}`;
    await this.ledger.openAccounts(workspaceId);
    await this.ledger.bookRefund(workspaceId, refundId, amounts, { to: address, trigger });
    const payout = await this.chain.payout({ payoutId: refundId, chainId: asset.chainId, token: asset.tokenAddress, to: address, amountBaseUnits: sentBaseUnits.toString(), waitMs: PAYOUT_WAIT_MS });
    if (payout?.status === 'failed') {
      await this.ledger.reverseRefund(workspaceId, refundId, amounts, payout.detail);
      this.logger.warn({ refundId, workspaceId, detail: payout.detail }, 'agent refund not sent; booking reversed');
      throw new AppError('service_unavailable', `The refund could not be sent (${payout.detail}); the balance is unchanged. Try again later.`);
    }
    const result: RefundResult = {
      status: payout?.status === 'sent' ? 'sent' : 'submitted',
      refundId,
      address,
      amountMicros: available,
      feeMicros: amounts.feeMicros,
      sentBaseUnits,
      txHash: payout?.txHash,
    };
    // `submitted` without a hash: the chain-watcher did not answer; the operator reconciles by refundId.
    this.logger.log({ ...result, amountMicros: available.toString(), feeMicros: amounts.feeMicros.toString(), sentBaseUnits: sentBaseUnits.toString(), workspaceId }, 'agent refund booked');
    return result;
  }

  /** `automatic`: every payer whose balance sat unused for AGENT_PAYMENTS_REFUND_IDLE_MS gets it back. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let refunded = 0;
    try {
      for (const member of await this.replay.idlePayers(this.env.AGENT_PAYMENTS_CHAIN_ID)) {
        const payer = viem().getAddress(member);
        const available = await this.available(this.payers.identity(this.env.AGENT_PAYMENTS_CHAIN_ID, payer).workspaceId);
        if (available < this.env.AGENT_PAYMENTS_REFUND_MIN_MICROS || available <= this.env.AGENT_PAYMENTS_REFUND_FEE_MICROS) continue;
        try {
          await this.refund(payer, 'automatic');
          refunded++;
        } catch (error) {
          this.logger.warn({ payer, error: (error as Error).message }, 'automatic agent refund skipped');
        }
      }
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'automatic agent refund sweep failed');
    } finally {
      this.sweeping = false;
    }
    return refunded;
  }

  private available(workspaceId: string): Promise<bigint> {
    return this.ledger.availableMicros(workspaceId);
  }
}
