import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

export const CHAIN_SCHEMA = 'chain';

// An empty variable (as compose files often leave it) means "not configured".
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
const micros = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer amount of micro-USD')
    .default(fallback)
    .transform((value) => BigInt(value));

/** `finalized` (the node's finalized block tag) or `depth:N` (head − N + 1, for chains without the tag). */
const ConfirmationPolicySchema = z
  .string()
  .regex(/^(finalized|depth:[1-9]\d{0,5})$/, 'must be "finalized" or "depth:N"')
  .default('finalized')
  .transform((value) => (value === 'finalized' ? ({ kind: 'finalized' } as const) : ({ kind: 'depth', blocks: BigInt(value.slice('depth:'.length)) } as const)));
export type ConfirmationPolicy = z.output<typeof ConfirmationPolicySchema>;

export const ChainWatcherEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8085),
  /** JSON-RPC endpoint of the chain to follow; unset = no follower (the service still owns its schema). */
  CHAIN_RPC_URL: optional(z.url({ protocol: /^https?$/ })),
  /** Further JSON-RPC endpoints tried in order when the first fails (comma-separated). */
  CHAIN_RPC_FALLBACK_URLS: optional(z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)).pipe(z.array(z.url({ protocol: /^https?$/ })).max(5))),
  /** Optional WebSocket endpoint: new heads trigger an early poll (the poll stays the source of truth). */
  CHAIN_WS_URL: optional(z.url({ protocol: /^wss?$/ })),
  /** When set, the RPC must report this chain id, so a misconfigured URL never feeds the wrong chain's cursor. */
  CHAIN_ID: optional(z.coerce.number().int().min(1)),
  CHAIN_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  CHAIN_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** The token whose Transfer logs are deposits (Polygon USDT: 0xc2132D05D31c914a87C6611C10748AEb04B58e8F); unset = head only. */
  CHAIN_TOKEN_ADDRESS: optional(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an EVM address')),
  CHAIN_TOKEN_SYMBOL: z.string().regex(/^[A-Za-z0-9]{1,20}$/).default('USDT'),
  CHAIN_TOKEN_DECIMALS: z.coerce.number().int().min(0).max(36).default(6),
  /** Account-level extended public key (m/44'/60'/0'/0); deposit address i = child i. The seed never reaches the service. */
  CHAIN_DEPOSIT_XPUB: optional(z.string().regex(/^[xt]pub[1-9A-HJ-NP-Za-km-z]{100,112}$/, 'must be an extended public key (xpub…)')),
  CHAIN_CONFIRMATION_POLICY: ConfirmationPolicySchema,
  /** First block to scan when there is no cursor yet; unset = start at the finalized block at first boot. */
  CHAIN_START_BLOCK: optional(z.coerce.bigint().min(0n)),
  /** Upper bound of one eth_getLogs range (halved on "range too large" errors). */
  CHAIN_LOG_RANGE_BLOCKS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** Ranges scanned per poll, so a long backfill still yields to the pending scan and to shutdown. */
  CHAIN_MAX_RANGES_PER_POLL: z.coerce.number().int().min(1).max(1_000).default(20),
  /** How far behind the head the pending (not yet final) scan looks. */
  CHAIN_PENDING_WINDOW_BLOCKS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** /readyz fails when head − finalized exceeds this (Polygon: ~30 blocks ≈ 60 s). */
  CHAIN_MAX_FINALITY_LAG_BLOCKS: z.coerce.number().int().min(1).default(150),
  /** /readyz fails when the finalized block is this far ahead of what the follower scanned. */
  CHAIN_MAX_FOLLOWER_LAG_BLOCKS: z.coerce.number().int().min(1).default(5_000),
  /** Deposits below this accumulate per workspace until their total reaches it. */
  FUNDING_MINIMUM_MICROS: micros('5000000'),
  /** Funding fee in basis points of the gross (500 = 5 %), rounded up in token base units. */
  FUNDING_FEE_BASIS_POINTS: z.coerce.number().int().min(0).max(10_000).default(500),
  LEDGER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  /** Connect/query timeout of the follower leader lock's own Postgres session (one replica follows; the others stand by). */
  CHAIN_LEADER_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  /**
   * Private key of the operator's payout (hot) wallet that sends agent-payment refunds (token + gas); unset = no
   * refunds are sent. Keep only small float on it. Dev: an anvil account.
   */
  CHAIN_PAYOUT_PRIVATE_KEY: optional(z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 32-byte hex private key')),
});
export type ChainWatcherEnv = z.output<typeof ChainWatcherEnvSchema>;

export const loadChainWatcherEnv = () => loadEnvOrExit(ChainWatcherEnvSchema, 'chain-watcher');

export const CHAIN_WATCHER_ENV = Symbol('CHAIN_WATCHER_ENV');
