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
  /**
   * Group commit: hold commands per transaction, and how many may wait for one before shedding. A batch is
   * decided set-based (no subtransaction per command), so large batches cost no more per command.
   */
  LEDGER_BATCH_MAX_COMMANDS: z.coerce.number().int().min(1).max(5_000).default(500),
  /**
   * Hold batches in flight at once (each on its own pool connection), at most one per hold shard: batches of
   * different shards apply in parallel. 1 sends one batch at a time, of every shard.
   */
  LEDGER_BATCH_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(4),
  /**
   * Hold commands waiting before they go as one batch per shard, in parallel, instead of one batch of every shard
   * once the one in flight is done: parallel batches cost more CPU per command (a fixed cost per batch), so they
   * pay only with a backlog (bench/ledger/README.md).
   */
  LEDGER_BATCH_SPLIT_MIN_COMMANDS: z.coerce.number().int().min(1).max(5_000).default(32),
  /**
   * Age in ms of the oldest hold batch in flight after which waiting commands of the other shards go without it,
   * however few: a batch that old waits on a lock (another replica's batch of its shard, the sweeper).
   */
  LEDGER_BATCH_STALL_MS: z.coerce.number().int().min(1).max(600_000).default(25),
  LEDGER_BATCH_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(20_000),
  /** Extra wait to gather a batch when the queue is idle (0: the next event-loop turn). */
  LEDGER_BATCH_LINGER_MS: z.coerce.number().int().min(0).max(50).default(0),
  /** Fault injection for tests only: exit right after committing the batch that holds this holdId. */
  LEDGER_FAULT_EXIT_AFTER_COMMIT_HOLD_ID: z.string().min(1).optional(),
});
export type LedgerEnv = z.output<typeof LedgerEnvSchema>;

export const loadLedgerEnv = () => loadEnvOrExit(LedgerEnvSchema, 'ledger');
