import { z } from 'zod';

const Micros = z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer amount of micro-USD, as a string');
const Reset = z.enum(['daily', 'weekly', 'monthly', 'never']);

export const CreateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['inference', 'management']).default('inference').describe('management keys manage keys and read reports; they cannot call models.'),
    credit_limit_micros: Micros.nullish().describe('Spending limit of this key in micro-USD (a guardrail); null: no limit.'),
    credit_limit_reset: Reset.nullish().describe('When the limit window restarts (default never).'),
    expires_at: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict()
  .refine((k) => k.credit_limit_reset == null || k.credit_limit_micros != null, { message: 'credit_limit_reset needs credit_limit_micros', path: ['credit_limit_reset'] })
  .refine((k) => k.kind === 'inference' || k.credit_limit_micros == null, { message: 'management keys have no credit limit', path: ['credit_limit_micros'] });

export const UpdateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    disabled: z.boolean().optional(),
    credit_limit_micros: Micros.nullish(),
    credit_limit_reset: Reset.nullish(),
    expires_at: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();

export type CreateKey = z.output<typeof CreateKeySchema>;
export type UpdateKey = z.output<typeof UpdateKeySchema>;
