import type { Provider } from '@nestjs/common';
import { createPublicClient, http, type PublicClient } from 'viem';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';

export const CHAIN_CLIENT = Symbol('CHAIN_CLIENT');

/** viem public client for CHAIN_RPC_URL, or null when no chain is configured. */
export type ChainClient = PublicClient | null;

export const chainClientProvider: Provider = {
  provide: CHAIN_CLIENT,
  inject: [CHAIN_WATCHER_ENV],
  useFactory: (env: ChainWatcherEnv): ChainClient =>
    env.CHAIN_RPC_URL
      ? createPublicClient({
          // The follower's loop is the retry policy; viem's own retries would only hide a dead RPC from readiness.
          transport: http(env.CHAIN_RPC_URL, { timeout: env.CHAIN_RPC_TIMEOUT_MS, retryCount: 0 }),
          // No cached block number: each poll must ask the node.
          cacheTime: 0,
          pollingInterval: env.CHAIN_POLL_INTERVAL_MS,
        })
      : null,
};
