import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

export const LedgerEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8084),
  LEDGER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Holds expired per sweep transaction; bounded so one sweep never holds locks for long. */
  LEDGER_SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  /** Attempts per command on deadlock / serialization failure (40P01, 40001). */
  LEDGER_SQL_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
});
export type LedgerEnv = z.output<typeof LedgerEnvSchema>;

export const loadLedgerEnv = () => loadEnvOrExit(LedgerEnvSchema, 'ledger');
