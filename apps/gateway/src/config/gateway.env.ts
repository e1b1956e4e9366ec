import { readFileSync } from 'node:fs';
import { BaseEnvSchema, booleanFlag, ConfigError, httpPortSchema, loadEnv } from '@switchyard/config';
import { z } from 'zod';
import { OPENAI_COMPATIBLE_PROVIDERS, type OpenAiCompatibleEnvPrefix } from '../providers/openai-compatible-providers';
import { isAllowedHostEntry } from '../upstream/ssrf-guard';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

type ProviderEnvShape = Record<`${OpenAiCompatibleEnvPrefix}_API_KEY` | `${OpenAiCompatibleEnvPrefix}_BASE_URL`, z.ZodOptional<z.ZodString>>;

/** `<PREFIX>_API_KEY` and `<PREFIX>_BASE_URL` for every OpenAI-compatible provider (the default URL lives in its folder). */
function openAiCompatibleEnvShape(): ProviderEnvShape {
  const shape: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (const provider of OPENAI_COMPATIBLE_PROVIDERS) {
    shape[`${provider.envPrefix}_API_KEY`] = z.string().min(1).optional();
    shape[`${provider.envPrefix}_BASE_URL`] = z.string().url().optional();
  }
  return shape as ProviderEnvShape;
}

export const GatewayEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8080),
  /**
   * Gateway processes on this host sharing PORT (node:cluster), for a host without an orchestrator. Under
   * Kubernetes keep 1 and scale pods: each worker has its own /metrics (docs/scaling.md).
   */
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  GATEWAY_BODY_BYTES_MAX: z.coerce.number().int().min(1_024).max(100 * 1_048_576).default(4 * 1_048_576),
  /** Messages in one chat request (any surface); more → 400. At most 2000 (the request schema's own cap). */
  GATEWAY_MESSAGES_MAX: z.coerce.number().int().min(1).max(2_000).default(2_000),
  /** Decoded bytes of one inline (data URI / base64) image; larger → 400. */
  GATEWAY_IMAGE_BYTES_MAX: z.coerce.number().int().min(1_024).max(100 * 1_048_576).default(5 * 1_048_576),
  /** A streamed answer is cut (final error event) after this long. */
  GATEWAY_STREAM_DURATION_MS_MAX: ms(1_000, 86_400_000, 1_800_000),
  /** Streams one API key may have open at once, across replicas; one more → 429. 0 = no limit. */
  GATEWAY_STREAMS_PER_KEY_MAX: z.coerce.number().int().min(0).max(100_000).default(64),
  /** Lets user-supplied URLs (images, files) point at loopback, link-local and private addresses: trusted networks and tests only. */
  GATEWAY_FETCH_ALLOW_PRIVATE: booleanFlag.default(false),
  /** Hosts and CIDRs (comma-separated) user-supplied URLs may reach even though they are private: `images.internal,10.1.0.0/16`. */
  GATEWAY_FETCH_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine((entries) => entries.every(isAllowedHostEntry), 'must be comma-separated host names, IP addresses or CIDRs'),
  HOLD_TIMEOUT_MS: ms(1_000, 3_600_000, 900_000),
  LEDGER_TIMEOUT_MS: ms(50, 30_000, 2_000),
  PRICING_MARKUP_BASIS_POINTS: z.coerce.number().int().min(0).max(100_000).default(0),
  PRICE_DATA_DIR: z.string().optional(),
  /** Serve the web dashboard at /dashboard/ (built by `make up` into apps/dashboard/dist). */
  DASHBOARD_ENABLED: booleanFlag.default(true),
  /** Where the dashboard build lives; defaults to apps/dashboard/dist in the repository. */
  DASHBOARD_DIST_DIR: z.string().optional(),
  /**
   * The deposits chain, the same variable the chain-watcher reads (one shared env sets both); named in /api/v1/auth/discovery.
   * A local chain (31337, anvil) makes the dashboard offer a throwaway in-browser dev wallet for signing in.
   */
  CHAIN_ID: z.coerce.number().int().min(1).optional(),
  DEMO_PROVIDER_ENABLED: booleanFlag.default(true),
  /** Pause between the demo provider's streamed chunks, so a stream is visible in the dashboard (`make up` sets 120). */
  DEMO_STREAM_CHUNK_DELAY_MS: ms(0, 2_000, 0),
  /** A JSON object of provider keys (`{"DEEPSEEK_API_KEY": "…"}`), read at boot; variables set in the env win. */
  PROVIDER_SECRETS_FILE: z.string().optional(),
  ...openAiCompatibleEnvShape(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().default('https://api.anthropic.com'),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_BASE_URL: z.string().url().default('https://generativelanguage.googleapis.com'),
  UPSTREAM_TIMEOUT_MS: ms(1_000, 900_000, 120_000),
  STREAM_KEEPALIVE_MS: ms(100, 120_000, 15_000),
  /** How often the provider attempts gathered since the last report go to the routers (their endpoint health). */
  GATEWAY_HEALTH_REPORT_MS: ms(10, 10_000, 250),
  /** Search API for `plugins: [{id: "web"}]` and `:online` models; unset → such requests are refused. */
  WEB_SEARCH_URL: z.string().url().optional(),
  WEB_SEARCH_STYLE: z.enum(['searxng', 'brave']).default('searxng'),
  WEB_SEARCH_API_KEY: z.string().min(1).optional(),
  WEB_SEARCH_TIMEOUT_MS: ms(100, 60_000, 5_000),
  /** Pre-placed ledger holds, so requests skip the ledger round trip before the provider call (see HoldPool). */
  HOLD_POOL_ENABLED: booleanFlag.default(true),
  /** Requests whose worst case is above this always place their own hold ($1 by default). */
  HOLD_POOL_HOLD_MICROS_MAX: z
    .string()
    .regex(/^\d{1,12}$/, 'must be a non-negative integer amount of micro-USD')
    .default('1000000')
    .transform((value) => BigInt(value)),
  /**
   * Most pre-placed holds per workspace. A pool grows only while its refills come less than 100 ms apart, and tops up
   * half of it in one ledger batch: at 32 a busy workspace costs the ledger one batch per 16 requests (at 8, one per 4:
   * ~0.8 ms of Postgres CPU each, a visible share at concurrency 64). Idle holds are released after HOLD_POOL_IDLE_MS.
   */
  HOLD_POOL_SIZE_MAX: z.coerce.number().int().min(1).max(64).default(32),
  HOLD_POOL_IDLE_MS: ms(1_000, 600_000, 30_000),
  /**
   * Providers that keep generating (and billing us) after a client disconnects: their stream is read on, up to
   * DRAIN_AFTER_ABORT_MS, so the usage they report is what we bill. Comma-separated provider ids.
   */
  PROVIDERS_BILLING_AFTER_ABORT: z
    .string()
    .default('')
    .transform((value) => new Set(value.split(',').map((id) => id.trim()).filter(Boolean))),
  DRAIN_AFTER_ABORT_MS: ms(0, 600_000, 30_000),
  /** Encrypts workspaces' own provider keys at rest (32 bytes, base64); unset → bring-your-own-key is off. */
  BYOK_ENCRYPTION_KEY: z.string().optional(),
  /** What a request on a workspace's own key pays: this share of the inference price (500 = 5 %). */
  BYOK_FEE_BASIS_POINTS: z.coerce.number().int().min(0).max(10_000).default(500),
  /** BYOK requests per workspace and month that pay no fee. */
  BYOK_FREE_REQUESTS_PER_MONTH: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  /**
   * Bound on the stored prompt + completion + tool calls of one request, for workspaces that opted in to content logging
   * (UTF-8 bytes, JSON-escaped as the event carries them); longer content is cut with a marker. At most 786432 (it
   * travels in one JetStream message).
   */
  CONTENT_LOGGING_BYTES_MAX: z.coerce.number().int().min(1_024).max(786_432).default(262_144),
  /** Requests per minute for a key without a limit of its own (every response then carries X-RateLimit-*); 0 = none. */
  RATE_LIMIT_DEFAULT_RPM: z.coerce.number().int().min(0).max(10_000_000).default(600),
  /** Credit every new workspace gets, booked from the promotions account ($0.50; 0 turns it off). */
  STARTER_CREDIT_MICROS: z
    .string()
    .regex(/^\d{1,12}$/, 'must be a non-negative integer amount of micro-USD')
    .default('500000')
    .transform((value) => BigInt(value)),
  /** Must equal billing's WEB_SEARCH_FEE_MICROS: the hold covers the fee billing will charge. */
  WEB_SEARCH_FEE_MICROS: z
    .string()
    .regex(/^\d{1,12}$/, 'must be a non-negative integer amount of micro-USD')
    .default('5000')
    .transform((value) => BigInt(value)),
  // --- Agent payments (HTTP 402, MPP evm/charge; see apps/gateway/src/agent-payments) ---
  /** Requests without an API key get a 402 payment challenge instead of a 401. */
  AGENT_PAYMENTS_ENABLED: booleanFlag.default(false),
  /** HMAC key of challenge ids (≥ 32 characters); required when enabled. Rotating it voids open challenges. */
  AGENT_PAYMENTS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AGENT_PAYMENTS_REALM: z.string().regex(/^[\x21-\x7e]{1,100}$/).default('switchyard'),
  AGENT_PAYMENTS_CHAIN_ID: z.coerce.number().int().min(1).default(137),
  /** Must be the chain-watcher's CHAIN_TOKEN_ADDRESS (Polygon USDT by default). */
  AGENT_PAYMENTS_TOKEN_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/).default('0xc2132D05D31c914a87C6611C10748AEb04B58e8F'),
  AGENT_PAYMENTS_TOKEN_SYMBOL: z.string().regex(/^[A-Za-z0-9]{1,20}$/).default('USDT'),
  AGENT_PAYMENTS_TOKEN_DECIMALS: z.coerce.number().int().min(0).max(36).default(6),
  /** The operator's payment address (never a workspace deposit address); required when enabled. */
  AGENT_PAYMENTS_RECIPIENT: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
  AGENT_PAYMENTS_CHALLENGE_TTL_MS: ms(10_000, 3_600_000, 300_000),
  /** `receipt`: a successful receipt on the canonical chain; `finalized`: the chain-watcher's deposit finality. */
  AGENT_PAYMENTS_FINALITY: z.enum(['receipt', 'finalized']).default('finalized'),
  /** How long one paid request waits for its payment to settle before answering 402 "pending, retry". */
  AGENT_PAYMENTS_SETTLE_WAIT_MS: ms(0, 120_000, 30_000),
  /** Fee on agent payments in basis points (0 = none); challenges are grossed up so the net covers the request. */
  AGENT_PAYMENTS_FEE_BASIS_POINTS: z.coerce.number().int().min(0).max(5_000).default(0),
  /** Per-challenge amount tag: 1 … N base units added so a transfer matches one open challenge only. */
  AGENT_PAYMENTS_AMOUNT_TAG_SPAN: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Dev/test only: POST /v1/agent-payments/probe exercises challenge → pay → authenticate without a provider. */
  AGENT_PAYMENTS_PROBE_ROUTE: booleanFlag.default(false),
  /**
   * Leftover payer balances: `none` (stays spendable, never paid back), `on_request` (the payer asks with a signed
   * POST /v1/agent-payments/refunds), `automatic` (on request, and the gateway pays back idle balances itself).
   * Refunds are sent by the chain-watcher's payout wallet (CHAIN_PAYOUT_PRIVATE_KEY).
   */
  AGENT_PAYMENTS_REFUND_POLICY: z.enum(['none', 'on_request', 'automatic']).default('none'),
  /** Smallest balance (micro-USD, before the fee) that is paid back. */
  AGENT_PAYMENTS_REFUND_MIN_MICROS: z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer amount of micro-USD').default('1000000').transform((v) => BigInt(v)),
  /** Flat fee (micro-USD) kept from each refund for gas, booked to funding-fee revenue. */
  AGENT_PAYMENTS_REFUND_FEE_MICROS: z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer amount of micro-USD').default('0').transform((v) => BigInt(v)),
  /** `automatic`: how often idle payer balances are swept back. */
  AGENT_PAYMENTS_REFUND_INTERVAL_MS: ms(1_000, 86_400_000, 3_600_000),
  /** `automatic`: how long a payer address must be inactive (no payment, no balance spend) before its balance goes back. */
  AGENT_PAYMENTS_REFUND_IDLE_MS: ms(0, 30 * 86_400_000, 86_400_000),
  /**
   * Optional x402 v2 offer (`PAYMENT-REQUIRED`, scheme `exact`, EIP-3009) next to the MPP challenge: the USDC
   * contract on AGENT_PAYMENTS_CHAIN_ID, its EIP-712 domain name/version and decimals. Unset = MPP only.
   */
  AGENT_PAYMENTS_X402_ASSET: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
  /** The x402 token's EIP-712 domain name (`extra.name`; Polygon USDC: "USD Coin"). */
  AGENT_PAYMENTS_X402_DOMAIN_NAME: z.string().min(1).max(100).default('USD Coin'),
  /** The x402 token's EIP-712 domain version (`extra.version`; Polygon USDC: "2"). */
  AGENT_PAYMENTS_X402_DOMAIN_VERSION: z.string().min(1).max(20).default('2'),
  /** The x402 token's decimals (USDC: 6). */
  AGENT_PAYMENTS_X402_DECIMALS: z.coerce.number().int().min(0).max(36).default(6),
  /** Where x402 payments go; default AGENT_PAYMENTS_RECIPIENT. */
  AGENT_PAYMENTS_X402_PAY_TO: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
});
export type GatewayEnv = z.output<typeof GatewayEnvSchema>;

export const GATEWAY_ENV = Symbol('GATEWAY_ENV');

const SECRETS_FILE_BYTES_MAX = 1_048_576;
const SECRET_NAME = /^[A-Z][A-Z0-9_]*_API_KEY$/;

/**
 * The env with the provider keys of PROVIDER_SECRETS_FILE added (a mounted Kubernetes/Docker secret, say);
 * variables set in the env win.
 */
export function withProviderSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const path = env.PROVIDER_SECRETS_FILE;
  if (!path) return env;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError([`PROVIDER_SECRETS_FILE: cannot read ${path}`]);
  }
  return { ...parseProviderSecrets(text, path), ...env };
}

/** Only `*_API_KEY` string entries of a JSON object are taken; problems name the file and the entry, never a value. */
export function parseProviderSecrets(text: string, path: string): Record<string, string> {
  let parsed: unknown;
  try {
    if (Buffer.byteLength(text, 'utf8') > SECRETS_FILE_BYTES_MAX) throw new Error('too large');
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([`PROVIDER_SECRETS_FILE: ${path} is not a JSON object of at most 1 MiB`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError([`PROVIDER_SECRETS_FILE: ${path} must hold a JSON object`]);
  const secrets: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (!SECRET_NAME.test(name)) problems.push(`PROVIDER_SECRETS_FILE: entry ${JSON.stringify(name.slice(0, 64))} is not a *_API_KEY name`);
    else if (typeof value !== 'string' || value === '') problems.push(`PROVIDER_SECRETS_FILE: ${name} must be a non-empty string`);
    else secrets[name] = value;
  }
  if (problems.length) throw new ConfigError(problems);
  return secrets;
}

/** For main.ts: the validated env (provider secrets file included), or the problems printed and exit 1. */
export function loadGatewayEnv(): GatewayEnv {
  try {
    return loadEnv(GatewayEnvSchema, withProviderSecrets(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`[gateway] ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
