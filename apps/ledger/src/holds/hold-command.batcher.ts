import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionSqlError, isRetryableSqlError, toLedgerError } from '../database/ledger-sql.errors';
import type { HoldCommand, HoldCommandOutcome } from './hold-command';
import { HoldBatchRepository } from './hold-batch.repository';

export interface HoldCommandBatcherOptions {
  /** Commands per transaction. */
  maxBatchCommands: number;
  /** Commands waiting for a batch; beyond it a command is shed with service_unavailable. */
  maxQueuedCommands: number;
  /** Extra wait before flushing an idle queue, to gather more commands; 0 = flush on the next loop turn. */
  lingerMs: number;
  /** Attempts per command (lost unique race, deadlock) and per batch (connection lost before the reply). */
  attempts: number;
  /** Test-only fault: exit the process after the commit of a batch that holds this holdId, before replying. */
  exitAfterCommitHoldId?: string;
}

export const HOLD_COMMAND_BATCHER_OPTIONS = Symbol('HOLD_COMMAND_BATCHER_OPTIONS');

interface QueuedCommand {
  command: HoldCommand;
  attempt: number;
  resolve: (result: Record<string, string>) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent hold commands wait here and go to Postgres as one batch, one transaction.
 * One batch is in flight at a time; the commands that arrive meanwhile form the next batch, so batches
 * grow with load and an idle ledger still answers in one round trip. Each command gets its own result.
 */
@Injectable()
export class HoldCommandBatcher implements OnModuleDestroy {
  private readonly logger = new Logger(HoldCommandBatcher.name);
  private queue: QueuedCommand[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly batches: HoldBatchRepository,
    @Inject(HOLD_COMMAND_BATCHER_OPTIONS) private readonly options: HoldCommandBatcherOptions,
  ) {}

  submit(command: HoldCommand): Promise<Record<string, string>> {
    if (this.closed) return Promise.reject(new AppError('service_unavailable', 'The ledger is shutting down; retry with the same holdId.'));
    if (this.queue.length >= this.options.maxQueuedCommands) {
      return Promise.reject(new AppError('service_unavailable', 'The ledger is busy; retry with the same holdId.'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ command, attempt: 1, resolve, reject });
      this.schedule();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private schedule(): void {
    if (this.flushing || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    if (!this.flushing) this.idle = new Promise((resolve) => (this.markIdle = resolve));
    const flush = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.options.lingerMs > 0) setTimeout(flush, this.options.lingerMs);
    else setImmediate(flush);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatchCommands);
        await this.run(batch);
      }
    } finally {
      this.flushing = false;
      this.markIdle();
    }
  }

  private async run(batch: QueuedCommand[]): Promise<void> {
    let outcomes: HoldCommandOutcome[];
    try {
      outcomes = await this.executeWithReconnect(batch.map((q) => q.command));
    } catch (error) {
      const mapped = isConnectionSqlError(error)
        ? new AppError('service_unavailable', 'The ledger lost its database connection; retry with the same holdId.', { cause: error })
        : toLedgerError(error);
      for (const queued of batch) queued.reject(mapped);
      return;
    }
    this.injectExitAfterCommit(batch);
    outcomes.forEach((outcome, index) => this.settle(batch[index]!, outcome));
  }

  /**
   * A lost connection leaves the batch's fate unknown (committed or not); every command is idempotent by
   * holdId, so the whole batch is sent again: what committed answers `exists`, the rest is applied once.
   */
  private async executeWithReconnect(commands: HoldCommand[]): Promise<HoldCommandOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.batches.execute(commands);
      } catch (error) {
        if (attempt >= this.options.attempts || !(isConnectionSqlError(error) || isRetryableSqlError(error))) throw error;
        this.logger.warn({ err: error, attempt, commands: commands.length }, 'hold batch failed before its reply; retrying');
        await sleep(attempt * 5);
      }
    }
  }

  private settle(queued: QueuedCommand, outcome: HoldCommandOutcome): void {
    if (outcome.ok) {
      queued.resolve(outcome.result);
      return;
    }
    const sqlError = { code: outcome.error.code, message: outcome.error.message, detail: outcome.error.detail };
    if (isRetryableSqlError(sqlError) && queued.attempt < this.options.attempts) {
      // a concurrent batch won a unique race or a deadlock victim: the next batch sees the winner's row
      queued.attempt++;
      this.queue.push(queued);
      this.schedule();
      return;
    }
    queued.reject(toLedgerError(sqlError));
  }

  private injectExitAfterCommit(batch: QueuedCommand[]): void {
    const holdId = this.options.exitAfterCommitHoldId;
    if (holdId && batch.some((q) => q.command.holdId === holdId)) {
      process.stderr.write(`fault injection: exiting after the commit of hold ${holdId}, before replying\n`);
      process.exit(137);
    }
  }
}
