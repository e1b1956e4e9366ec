import type { Provider } from '@nestjs/common';
import { createPublicClient, fallback, http, type PublicClient } from 'viem';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';

export const CHAIN_CLIENT = Symbol('CHAIN_CLIENT');

/** viem public client for CHAIN_RPC_URL (then CHAIN_RPC_FALLBACK_URLS in order), or null when no chain is configured. */
export type ChainClient = PublicClient | null;

export const chainClientProvider: Provider = {
  provide: CHAIN_CLIENT,
  inject: [CHAIN_WATCHER_ENV],
  useFactory: (env: ChainWatcherEnv): ChainClient => {
    if (!env.CHAIN_RPC_URL) return null;
    // The follower's loop is the retry policy; viem's own retries would only hide a dead RPC from readiness.
    const urls = [env.CHAIN_RPC_URL, ...(env.CHAIN_RPC_FALLBACK_URLS ?? [])];
    const transports = urls.map((url) => http(url, { timeout: env.CHAIN_RPC_TIMEOUT_MS, retryCount: 0 }));
    return createPublicClient({
      transport: transports.length === 1 ? transports[0] : fallback(transports, { rank: false, retryCount: 0 }),
      // No cached block number: each poll must ask the node.
      cacheTime: 0,
      pollingInterval: env.CHAIN_POLL_INTERVAL_MS,
    });
  },
};
