import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

export const BILLING_SCHEMA = 'billing';

export const BillingEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8083),
  PRICE_DATA_DIR: z.string().optional(),
  /** Markup on top of the provider price, in basis points (100 = 1 %); rounded up once. */
  PRICING_MARKUP_BASIS_POINTS: z.coerce.number().int().min(0).max(100_000).default(0),
  /** Fee per web-search request, in micro-USD (5000 = $0.005); a string so money never passes through a float. */
  WEB_SEARCH_FEE_MICROS: z
    .string()
    .regex(/^\d{1,12}$/, 'must be a non-negative integer amount of micro-USD')
    .default('5000')
    .transform((value) => BigInt(value)),
  /** Bound on each ledger capture/release; on timeout the event is nak'ed and retried. */
  LEDGER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  /**
   * Most completed requests settled in one Postgres transaction. Events arriving while a batch is being written
   * form the next one; up to twice this many single-completion messages are handled at once, and half this many
   * messages of several completions (enough to fill a batch, so it never waits out the linger under load).
   */
  SETTLEMENT_BATCH_MAX: z.coerce.number().int().min(1).max(500).default(100),
  /**
   * How long an event waits for others to join its batch, unless the batch fills first (0: the next loop turn, or
   * right after the batch in flight). At low rates this is what makes batches: one Postgres transaction and one
   * ledger message per batch instead of per request or two. Delays only settlement: a hold stays pending this much
   * longer, the client's answer never waits. 100 ms, not 20: per-batch work woken per request took the CPU the
   * requests needed on a small machine (bench/README.md). Completion messages are gathered as long before they are
   * parsed and validated, so a low rate is handled in one pass per linger, not one wake-up per message.
   */
  SETTLEMENT_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(100),
  /** Stored prompts and completions (workspaces that opted in) are deleted this many days after they were stored. */
  CONTENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** How often the deletion of stored content past its retention runs. */
  CONTENT_RETENTION_SWEEP_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),
});
export type BillingEnv = z.output<typeof BillingEnvSchema>;

export const loadBillingEnv = () => loadEnvOrExit(BillingEnvSchema, 'billing');

/** Injection token for the parsed env, for providers that need a setting. */
export const BILLING_ENV = Symbol('BILLING_ENV');
