import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainPaymentSettle, CommandRequest, CommandResponse, PaymentRejectionReason } from '@switchyard/contracts';
import { type Address, getAddress, type Hash, type Hex, isAddressEqual } from 'viem';
import { DepositAddressesRepository } from '../addresses/deposit-addresses.repository';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { DepositAsset } from '../deposits/deposit-asset';
import { ChainReader, type TokenTransfer } from '../follower/chain.reader';
import { PaymentChainClient } from './payment-chain.client';
import { checkPaymentTransaction } from './payment-transaction.check';

type Request = CommandRequest<typeof ChainPaymentSettle>;
type Response = CommandResponse<typeof ChainPaymentSettle>;

const POLL_MS_MAX = 500;
const rejected = (reason: PaymentRejectionReason, detail: string): Response => ({ status: 'rejected', reason, detail });

/**
 * Agent payments (MPP `evm`/`charge`): checks a proof against what the challenge asked for, broadcasts a signed
 * transfer, and waits for the operator's finality. Credits a Transfer log (emitted by the token, to the recipient),
 * never a transaction; the recipient must not be a deposit address, so the follower never credits it a second time.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly reader: ChainReader,
    private readonly chain: PaymentChainClient,
    private readonly asset: DepositAsset,
    private readonly addresses: DepositAddressesRepository,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  async settle(request: Request): Promise<Response> {
    const asset = await this.asset.resolve();
    if (request.chainId !== asset.chainId) return rejected('chain_mismatch', `This deployment settles on chain ${asset.chainId}.`);
    if (!isAddressEqual(request.token as Address, asset.tokenAddress)) return rejected('token_mismatch', 'The token is not the one this deployment follows.');
    const recipient = getAddress(request.recipient);
    if ((await this.addresses.owners([recipient])).size > 0) return rejected('recipient_is_deposit_address', 'The payment recipient is a workspace deposit address.');
    const amount = BigInt(request.amountBaseUnits);
    const source = request.source ? getAddress(request.source) : undefined;

    let txHash: Hash;
    let signer: Address | undefined;
    if (request.proof.type === 'transaction') {
      const serialized = request.proof.signedTransaction as Hex;
      const check = await checkPaymentTransaction(serialized, { chainId: asset.chainId, token: asset.tokenAddress, recipient, minimumBaseUnits: amount, source });
      if (!check.ok) return rejected(check.reason, check.detail);
      txHash = check.txHash;
      signer = check.from;
      // Not mined yet (a retry after `pending` finds it mined): broadcast it ourselves.
      if ((await this.reader.receipt(txHash)).status === 'not_found') {
        if (request.broadcast === false) return rejected('not_found', 'The transaction is not on chain and was not broadcast (its challenge expired).');
        const sent = await this.chain.broadcast(serialized);
        if (sent.status === 'failed') return rejected('broadcast_failed', `The node refused the transaction: ${sent.detail}`);
      }
    } else {
      txHash = request.proof.txHash.toLowerCase() as Hash;
    }

    const deadline = Date.now() + request.waitMs;
    const pollMs = Math.min(this.env.CHAIN_POLL_INTERVAL_MS, POLL_MS_MAX);
    for (;;) {
      const outcome = await this.inspect(txHash, request, { recipient, amount, signer, source });
      if (outcome.status !== 'wait') return outcome.status === 'settled' ? { status: 'settled', payment: outcome.payment } : outcome;
      if (Date.now() >= deadline) {
        if (outcome.notFound && request.proof.type === 'hash') return rejected('not_found', 'No receipt for this transaction hash.');
        return { status: 'pending', txHash };
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** One look at the chain: a final answer, or `wait` (no receipt yet, not canonical, not final yet). */
  private async inspect(
    txHash: Hash,
    request: Request,
    expect: { recipient: Address; amount: bigint; signer?: Address; source?: Address },
  ): Promise<Response | { status: 'wait'; notFound: boolean } | { status: 'settled'; payment: Extract<Response, { status: 'settled' }>['payment'] }> {
    const lookup = await this.reader.receipt(txHash);
    if (lookup.status === 'not_found') return { status: 'wait', notFound: true };
    if (lookup.status === 'reverted') return rejected('reverted', 'The transaction reverted.');
    const toUs = lookup.transfers.filter((t) => isAddressEqual(t.to, expect.recipient));
    const match: TokenTransfer | undefined =
      request.proof.type === 'hash'
        ? toUs.find((t) => t.value === expect.amount) // the challenge's unique amount, exactly
        : toUs.find((t) => t.value >= expect.amount && (!expect.signer || isAddressEqual(t.from, expect.signer)));
    if (!match) {
      if (toUs.length > 0) return rejected('amount_mismatch', `The transfer to the recipient does not carry the challenge amount (${expect.amount} base units).`);
      return rejected('no_matching_transfer', 'The transaction has no Transfer of the token to the challenge recipient.');
    }
    if (expect.source && !isAddressEqual(match.from, expect.source)) return rejected('source_mismatch', 'The transfer does not come from the credential source.');
    // A receipt from a block that is no longer canonical (reorg) proves nothing yet.
    if ((await this.reader.blockHash(lookup.blockNumber)) !== lookup.blockHash) return { status: 'wait', notFound: false };
    const timestamp = await this.chain.blockTimestamp(lookup.blockNumber);
    if (timestamp < BigInt(request.notBeforeUnixSeconds)) return rejected('before_challenge', 'The transfer was mined before the challenge was issued.');
    if (request.finality === 'finalized') {
      const finalized = await this.reader.finalized(await this.reader.head());
      if (lookup.blockNumber > finalized) return { status: 'wait', notFound: false };
    }
    this.logger.log({ txHash, logIndex: match.logIndex, amountBaseUnits: match.value.toString(), finality: request.finality }, 'agent payment settled');
    return {
      status: 'settled',
      payment: {
        chainId: request.chainId,
        txHash: match.txHash.toLowerCase(),
        logIndex: match.logIndex,
        blockNumber: lookup.blockNumber.toString(),
        token: getAddress(request.token),
        from: match.from,
        to: match.to,
        amountBaseUnits: match.value.toString(),
      },
    };
  }
}
