import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import {
  type Address,
  erc20Abi,
  getAbiItem,
  getAddress,
  type Hash,
  isAddressEqual,
  parseEventLogs,
  type PublicClient,
  TransactionReceiptNotFoundError,
} from 'viem';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { CHAIN_CLIENT, type ChainClient } from './chain-client.provider';

/** One Transfer log of the configured token (amount in base units). */
export interface TokenTransfer {
  txHash: Hash;
  logIndex: number;
  blockNumber: bigint;
  blockHash: Hash;
  from: Address;
  to: Address;
  value: bigint;
}

export type ReceiptLookup =
  | { status: 'not_found' }
  | { status: 'reverted' }
  | { status: 'found'; blockNumber: bigint; blockHash: Hash; transfers: TokenTransfer[] };

const TRANSFER_EVENT = getAbiItem({ abi: erc20Abi, name: 'Transfer' });
/** Topic OR-lists stay well under what nodes accept. */
const ADDRESSES_PER_CALL = 500;
const RANGE_ERROR = /-32005|-32602|range|too many|limit|exceed/i;

/** The only code that reads the chain (viem). */
@Injectable()
export class ChainReader {
  private chainId?: number;

  constructor(
    @Inject(CHAIN_CLIENT) private readonly client: ChainClient,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  get configured(): boolean {
    return this.client !== null;
  }

  get token(): Address | undefined {
    return this.env.CHAIN_TOKEN_ADDRESS ? getAddress(this.env.CHAIN_TOKEN_ADDRESS) : undefined;
  }

  private rpc(): PublicClient {
    if (!this.client) throw new AppError('service_unavailable', 'No chain is configured (CHAIN_RPC_URL).');
    return this.client;
  }

  /** The RPC's chain id, checked against CHAIN_ID once. */
  async resolveChainId(): Promise<number> {
    if (this.chainId !== undefined) return this.chainId;
    const chainId = await this.rpc().getChainId();
    if (this.env.CHAIN_ID !== undefined && chainId !== this.env.CHAIN_ID) {
      throw new Error(`CHAIN_RPC_URL serves chain ${chainId}, but CHAIN_ID is ${this.env.CHAIN_ID}`);
    }
    this.chainId = chainId;
    return chainId;
  }

  head(): Promise<bigint> {
    return this.rpc().getBlockNumber({ cacheTime: 0 });
  }

  /** The highest block that can be credited: the node's `finalized` tag, or head − N + 1 under a depth policy. */
  async finalized(head: bigint): Promise<bigint> {
    const policy = this.env.CHAIN_CONFIRMATION_POLICY;
    if (policy.kind === 'depth') return head - policy.blocks + 1n;
    const block = await this.rpc().getBlock({ blockTag: 'finalized' });
    return block.number ?? -1n;
  }

  async blockHash(blockNumber: bigint): Promise<Hash | undefined> {
    try {
      return (await this.rpc().getBlock({ blockNumber })).hash ?? undefined;
    } catch (error) {
      if ((error as Error).name === 'BlockNotFoundError') return undefined;
      throw error;
    }
  }

  /** Transfer logs of the token to any of `to` in [fromBlock, toBlock]; a range the node refuses is halved. */
  async transfersTo(to: Address[], fromBlock: bigint, toBlock: bigint): Promise<TokenTransfer[]> {
    const token = this.token;
    if (!token || to.length === 0 || fromBlock > toBlock) return [];
    const out: TokenTransfer[] = [];
    for (let i = 0; i < to.length; i += ADDRESSES_PER_CALL) {
      out.push(...(await this.logsInRange(token, to.slice(i, i + ADDRESSES_PER_CALL), fromBlock, toBlock)));
    }
    return out;
  }

  private async logsInRange(token: Address, to: Address[], fromBlock: bigint, toBlock: bigint): Promise<TokenTransfer[]> {
    try {
      const logs = await this.rpc().getLogs({ address: token, event: TRANSFER_EVENT, args: { to }, fromBlock, toBlock, strict: true });
      return logs
        .filter((log) => !log.removed && isAddressEqual(log.address, token))
        .map((log) => ({
          txHash: log.transactionHash,
          logIndex: log.logIndex,
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          from: getAddress(log.args.from),
          to: getAddress(log.args.to),
          value: log.args.value,
        }));
    } catch (error) {
      if (toBlock === fromBlock || !RANGE_ERROR.test(String((error as Error).message))) throw error;
      const middle = fromBlock + (toBlock - fromBlock) / 2n;
      return [...(await this.logsInRange(token, to, fromBlock, middle)), ...(await this.logsInRange(token, to, middle + 1n, toBlock))];
    }
  }

  /** A transaction's receipt: success, and the Transfer logs emitted by the configured token (any recipient). */
  async receipt(hash: Hash): Promise<ReceiptLookup> {
    const token = this.token;
    if (!token) throw new AppError('service_unavailable', 'No deposit token is configured (CHAIN_TOKEN_ADDRESS).');
    let receipt;
    try {
      receipt = await this.rpc().getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return { status: 'not_found' };
      throw error;
    }
    if (receipt.status !== 'success') return { status: 'reverted' };
    // Only Transfer logs emitted BY the token count: anyone can deploy a contract that emits a look-alike.
    const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs, strict: true })
      .filter((log) => isAddressEqual(log.address, token))
      .map((log) => ({
        txHash: receipt.transactionHash,
        logIndex: log.logIndex,
        blockNumber: receipt.blockNumber,
        blockHash: receipt.blockHash,
        from: getAddress(log.args.from),
        to: getAddress(log.args.to),
        value: log.args.value,
      }));
    return { status: 'found', blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, transfers };
  }
}
