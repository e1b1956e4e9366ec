import { z } from 'zod';

/** Micro-USD from JSON: a decimal-integer string (preferred) or a safe integer. */
const Micros = z
  .union([z.string().regex(/^\d{1,30}$/, 'must be a non-negative integer amount of micro-USD'), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => BigInt(value));

export const CreateWorkspaceSchema = z.object({
  name: z.string().trim().min(1).max(200),
  creditMicros: Micros.optional(),
});

export const CreateKeySchema = z.object({
  name: z.string().trim().min(1).max(200),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const GrantCreditsSchema = z.object({
  amountMicros: Micros.refine((v) => v > 0n, 'must be positive'),
  reference: z.string().min(1).max(150).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
});

export const UuidParamSchema = z.uuid();
