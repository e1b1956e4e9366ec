import { BaseEnvSchema, booleanFlag, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const GatewayEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8080),
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  GATEWAY_BODY_BYTES_MAX: z.coerce.number().int().min(1_024).max(100 * 1_048_576).default(4 * 1_048_576),
  HOLD_TIMEOUT_MS: ms(1_000, 3_600_000, 900_000),
  ROUTER_TIMEOUT_MS: ms(10, 10_000, 300),
  LEDGER_TIMEOUT_MS: ms(50, 30_000, 2_000),
  PRICING_MARKUP_BASIS_POINTS: z.coerce.number().int().min(0).max(100_000).default(0),
  PRICE_DATA_DIR: z.string().optional(),
  DEMO_PROVIDER_ENABLED: booleanFlag.default(true),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().default('https://api.openai.com/v1'),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().default('https://api.anthropic.com'),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_BASE_URL: z.string().url().default('https://generativelanguage.googleapis.com'),
  UPSTREAM_TIMEOUT_MS: ms(1_000, 900_000, 120_000),
  STREAM_KEEPALIVE_MS: ms(100, 120_000, 15_000),
});
export type GatewayEnv = z.output<typeof GatewayEnvSchema>;

export const GATEWAY_ENV = Symbol('GATEWAY_ENV');

export const loadGatewayEnv = () => loadEnvOrExit(GatewayEnvSchema, 'gateway');
