import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainPaymentPayout, CommandRequest, CommandResponse } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type Address, encodeFunctionData, erc20Abi, getAddress, type Hash, isAddressEqual, type PublicClient } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { DepositAsset } from '../deposits/deposit-asset';
import { CHAIN_CLIENT, type ChainClient } from '../follower/chain-client.provider';

type Request = CommandRequest<typeof ChainPaymentPayout>;
type Response = CommandResponse<typeof ChainPaymentPayout>;

const failed = (detail: string): Response => ({ status: 'failed', detail: detail.slice(0, 500) });

/**
 * Agent-payment refunds: the operator's payout (hot) wallet (CHAIN_PAYOUT_PRIVATE_KEY) sends the deployment's token
 * back to a payer. One payout at a time per process, so the wallet's nonces never collide here (run the payout
 * signer on one replica, or give each replica its own wallet). Booking is the caller's.
 */
@Injectable()
export class PayoutService {
  private readonly logger = new Logger(PayoutService.name);
  private readonly account?: PrivateKeyAccount;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(CHAIN_CLIENT) private readonly client: ChainClient,
    private readonly asset: DepositAsset,
    @Inject(CHAIN_WATCHER_ENV) env: ChainWatcherEnv,
  ) {
    if (env.CHAIN_PAYOUT_PRIVATE_KEY) this.account = privateKeyToAccount(env.CHAIN_PAYOUT_PRIVATE_KEY as `0x${string}`);
  }

  payout(request: Request): Promise<Response> {
    const run = this.queue.then(() => this.send(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(request: Request): Promise<Response> {
    const account = this.account;
    if (!account) return failed('No payout wallet is configured (CHAIN_PAYOUT_PRIVATE_KEY).');
    if (!this.client) throw new AppError('service_unavailable', 'No chain is configured (CHAIN_RPC_URL).');
    const client: PublicClient = this.client;
    const asset = await this.asset.resolve();
    if (request.chainId !== asset.chainId) return failed(`This deployment pays out on chain ${asset.chainId}.`);
    if (!isAddressEqual(request.token as Address, asset.tokenAddress)) return failed('The token is not the one this deployment follows.');
    const to = getAddress(request.to);
    const amount = BigInt(request.amountBaseUnits);
    if (amount <= 0n) return failed('Nothing to pay out.');
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
    let hash: Hash;
    try {
      // Simulates first (estimateGas): a wallet short of token or gas fails here, before anything is sent.
      const prepared = await client.prepareTransactionRequest({ account, to: asset.tokenAddress, data, value: 0n, chainId: asset.chainId, type: 'eip1559' } as never);
      const { account: _account, from: _from, ...fields } = prepared as Record<string, unknown>;
      const signed = await account.signTransaction({ ...fields, chainId: asset.chainId } as never);
      hash = await client.sendRawTransaction({ serializedTransaction: signed });
    } catch (error) {
      if ((error as Error).name === 'HttpRequestError' || (error as Error).name === 'TimeoutError') {
        throw new AppError('service_unavailable', 'The chain RPC is unreachable.', { cause: error });
      }
      const message = String((error as { shortMessage?: string }).shortMessage ?? (error as Error).message ?? 'unknown error');
      this.logger.warn({ payoutId: request.payoutId, detail: message.slice(0, 300) }, 'payout not sent');
      return failed(`The payout was not sent: ${message}`);
    }
    try {
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: Math.max(1, request.waitMs), pollingInterval: 250 });
      if (receipt.status !== 'success') return failed(`The payout transaction ${hash} reverted.`);
      this.logger.log({ payoutId: request.payoutId, txHash: hash, to, amountBaseUnits: amount.toString() }, 'payout sent');
      return { status: 'sent', txHash: hash, from: account.address, blockNumber: receipt.blockNumber.toString() };
    } catch {
      return { status: 'submitted', txHash: hash, from: account.address };
    }
  }
}
