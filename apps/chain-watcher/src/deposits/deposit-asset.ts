import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { TokenAsset } from '@switchyard/money';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { ChainReader } from '../follower/chain.reader';

/** The configured deposit token with its chain id (CHAIN_ID, else asked from the RPC once). */
@Injectable()
export class DepositAsset {
  constructor(
    private readonly reader: ChainReader,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {}

  get enabled(): boolean {
    return this.reader.configured && this.reader.token !== undefined;
  }

  async resolve(): Promise<TokenAsset> {
    const token = this.reader.token;
    if (!this.reader.configured || !token) throw new AppError('service_unavailable', 'Deposits are not configured on this deployment (CHAIN_RPC_URL, CHAIN_TOKEN_ADDRESS).');
    const chainId = this.env.CHAIN_ID ?? (await this.reader.resolveChainId());
    return { chainId, tokenAddress: token, decimals: this.env.CHAIN_TOKEN_DECIMALS, symbol: this.env.CHAIN_TOKEN_SYMBOL };
  }
}
