import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

export const CHAIN_SCHEMA = 'chain';

// An empty variable (as compose files often leave it) means "not configured".
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const ChainWatcherEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8085),
  /** JSON-RPC endpoint of the chain to follow; unset = no follower (the service still owns its schema). */
  CHAIN_RPC_URL: optional(z.url({ protocol: /^https?$/ })),
  /** When set, the RPC must report this chain id, so a misconfigured URL never feeds the wrong chain's cursor. */
  CHAIN_ID: optional(z.coerce.number().int().min(1)),
  CHAIN_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  CHAIN_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});
export type ChainWatcherEnv = z.output<typeof ChainWatcherEnvSchema>;

export const loadChainWatcherEnv = () => loadEnvOrExit(ChainWatcherEnvSchema, 'chain-watcher');

export const CHAIN_WATCHER_ENV = Symbol('CHAIN_WATCHER_ENV');
