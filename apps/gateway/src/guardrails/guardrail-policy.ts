import { z } from 'zod';

const micros = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a non-negative integer amount of micro-USD, as a string')
  .transform((value) => BigInt(value));
const count = z.number().int().min(1).max(1_000_000_000);
const ids = z.array(z.string().min(1).max(200)).max(500);

/**
 * Limits for a workspace or one of its keys, as stored and as the admin API takes them (snake_case, money as
 * strings). Every field is optional: absent means no limit. Workspace and key policies both apply.
 */
export const GuardrailPolicySchema = z
  .object({
    allowed_models: ids.nullish(),
    allowed_providers: ids.nullish(),
    max_cost_per_request_micros: micros.nullish(),
    daily_budget_micros: micros.nullish(),
    monthly_budget_micros: micros.nullish(),
    requests_per_minute: count.nullish(),
    requests_per_day: count.nullish(),
    tokens_per_minute: count.nullish(),
    /** A key's spending limit (OpenRouter's key `limit`), counted in flight like budgets, reset per `credit_limit_reset`. */
    credit_limit_micros: micros.nullish(),
    credit_limit_reset: z.enum(['daily', 'weekly', 'monthly', 'never']).nullish(),
  })
  .strict()
  .refine((p) => p.credit_limit_reset == null || p.credit_limit_micros != null, { message: 'credit_limit_reset needs credit_limit_micros', path: ['credit_limit_reset'] });

export type GuardrailPolicy = z.output<typeof GuardrailPolicySchema>;

/** The policy as JSON (money back to strings), for storage and for the admin API's answers. */
export function guardrailPolicyToJson(policy: GuardrailPolicy): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v != null).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
}

/** Whose limit it is: the workspace's, or one key's. Errors and headers name it. */
export interface ScopedPolicy {
  scope: 'workspace' | 'key';
  scopeId: string;
  policy: GuardrailPolicy;
}
