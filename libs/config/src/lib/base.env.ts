import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** NATS subject prefix: isolates parallel stacks (tests, tenants) on one NATS server. */
export const SubjectPrefixSchema = z
  .string()
  .regex(/^([a-z][a-z0-9]*\.)?$/, 'must be empty or one lowercase token followed by a dot, e.g. "t1a2b."')
  .default('');

/**
 * Which peers may set X-Forwarded-For/-Proto: `false`, `true` (anyone — only behind a proxy that strips them), a hop
 * count, or comma-separated addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`. The client address drives the
 * failed-auth limit, so trusting everyone would let a caller rotate the header to dodge it.
 */
export const TrustProxySchema = z
  .string()
  .default('loopback')
  .transform((value): boolean | number | string[] => {
    const trimmed = value.trim();
    if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    return trimmed.split(',').map((part) => part.trim()).filter(Boolean);
  });

/** Variables every service reads. */
export const BaseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_SUBJECT_PREFIX: SubjectPrefixSchema,
  NATS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/switchyard'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().regex(/^[a-z0-9:_-]*$/).default('sy:'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  TRUST_PROXY: TrustProxySchema,
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  RUN_MIGRATIONS: booleanFlag.default(true),
});

export type BaseEnv = z.output<typeof BaseEnvSchema>;

export function httpPortSchema(defaultPort: number) {
  return z.coerce.number().int().min(0).max(65_535).default(defaultPort);
}

export { booleanFlag };
