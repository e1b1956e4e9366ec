import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { type Hash, type Hex, keccak256, type PublicClient } from 'viem';
import { CHAIN_CLIENT, type ChainClient } from '../follower/chain-client.provider';

/** Nodes answer these when the exact transaction is already in their pool or mined: broadcasting again is a no-op. */
const ALREADY_SENT = /already known|known transaction|nonce too low|already imported|transaction already exists/i;

export type BroadcastResult = { status: 'sent'; txHash: Hash } | { status: 'failed'; detail: string };

/** Agent-payment chain calls beyond ChainReader's (broadcast, block time); viem only. */
@Injectable()
export class PaymentChainClient {
  constructor(@Inject(CHAIN_CLIENT) private readonly client: ChainClient) {}

  private rpc(): PublicClient {
    if (!this.client) throw new AppError('service_unavailable', 'No chain is configured (CHAIN_RPC_URL).');
    return this.client;
  }

  /** eth_sendRawTransaction; a node that already has it counts as sent. A node error message is passed on (bounded). */
  async broadcast(serialized: Hex): Promise<BroadcastResult> {
    try {
      return { status: 'sent', txHash: await this.rpc().sendRawTransaction({ serializedTransaction: serialized }) };
    } catch (error) {
      const message = String((error as { details?: string }).details ?? (error as Error).message ?? 'unknown error');
      if (ALREADY_SENT.test(message)) return { status: 'sent', txHash: keccak256(serialized) };
      if ((error as Error).name === 'HttpRequestError' || (error as Error).name === 'TimeoutError') {
        throw new AppError('service_unavailable', 'The chain RPC is unreachable.', { cause: error });
      }
      return { status: 'failed', detail: message.slice(0, 300) };
    }
  }

  async blockTimestamp(blockNumber: bigint): Promise<bigint> {
    return (await this.rpc().getBlock({ blockNumber })).timestamp;
  }
}
