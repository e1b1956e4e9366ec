import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionSqlError, isRetryableSqlError, toLedgerError } from '../database/ledger-sql.errors';
import type { HoldCommand, HoldCommandOutcome } from './hold-command';
import { HoldBatchRepository } from './hold-batch.repository';
import { HOLD_SHARD_COUNT, holdShard } from './hold-shard';

export interface HoldCommandBatcherOptions {
  /** Commands per transaction. */
  maxBatchCommands: number;
  /** Batches sent to Postgres at once (each on its own connection); at most one per hold shard. */
  maxInFlightBatches: number;
  /** Commands waiting before they go as one batch per shard, in parallel, instead of one batch of all shards. */
  splitMinCommands: number;
  /** Age of the oldest batch in flight after which waiting commands of the other shards go anyway (it waits on a lock). */
  stallMs: number;
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

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * What Postgres would refuse while reading the batch (an amount beyond bigint, a NUL character, which jsonb
 * cannot store): such a command would fail the whole batch's statement, so it is refused here, alone.
 */
function invalidInBatch(command: HoldCommand): string | undefined {
  for (const field of ['amount', 'minAmount'] as const) {
    const value = (command as Partial<Record<typeof field, string | null>>)[field];
    if (typeof value === 'string' && BigInt(value) > MAX_BIGINT) return `${field === 'amount' ? 'amountMicros' : 'minAmountMicros'} is larger than the ledger can store.`;
  }
  // JSON.stringify writes NUL as \u0000; an escaped backslash before "u0000" is not one
  if (/(^|[^\\])(\\\\)*\\u0000/.test(JSON.stringify(command))) return 'Text fields must not contain NUL characters.';
  return undefined;
}

interface QueuedCommand {
  command: HoldCommand;
  attempt: number;
  resolve: (result: Record<string, string>) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent hold commands wait here and go to Postgres as one batch, one transaction; the
 * commands that arrive meanwhile form the next batch, so batches grow with load and an idle ledger still
 * answers in one round trip. Each command gets its own result.
 *
 * Commands queue by their hold's shard. A batch locks the system accounts of its holds' shards first, so batches
 * of different shards apply in parallel, and those sharing a shard in turn. Each batch costs Postgres a fixed
 * ~0.5–1 ms of CPU besides its commands (bench/ledger/README.md), so parallel batches pay only with a backlog:
 * with fewer than splitMinCommands waiting, one batch of every shard goes once none is in flight (as with
 * one lane); with more, or once the batch in flight is stallMs old (waiting on a lock: another replica's batch,
 * the sweeper), each shard that has no batch in flight sends its own, up to maxInFlightBatches.
 */
@Injectable()
export class HoldCommandBatcher implements OnModuleDestroy {
  private readonly logger = new Logger(HoldCommandBatcher.name);
  private readonly queues: QueuedCommand[][] = Array.from({ length: HOLD_SHARD_COUNT }, () => []);
  /** When each shard's batch in flight was sent (performance.now()); undefined: none in flight. */
  private readonly sentAt: Array<number | undefined> = Array.from({ length: HOLD_SHARD_COUNT }, () => undefined);
  private stallTimer: NodeJS.Timeout | undefined;
  private queued = 0;
  private lanes = 0;
  private busy = false;
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
    if (this.queued >= this.options.maxQueuedCommands) {
      return Promise.reject(new AppError('service_unavailable', 'The ledger is busy; retry with the same holdId.'));
    }
    const invalid = invalidInBatch(command);
    if (invalid) return Promise.reject(new AppError('invalid_request', invalid));
    return new Promise((resolve, reject) => {
      this.enqueue({ command, attempt: 1, resolve, reject });
      this.schedule();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private enqueue(queued: QueuedCommand): void {
    this.queues[holdShard(queued.command.holdId)]!.push(queued);
    this.queued++;
  }

  /** A dispatch on the next loop turn (or after the linger), so the commands of one turn share a batch. */
  private schedule(): void {
    if (this.scheduled || this.queued === 0) return;
    this.scheduled = true;
    if (!this.busy) {
      this.busy = true;
      this.idle = new Promise((resolve) => (this.markIdle = resolve));
    }
    const start = () => {
      this.scheduled = false;
      this.dispatch();
    };
    if (this.options.lingerMs > 0) setTimeout(start, this.options.lingerMs);
    else setImmediate(start);
  }

  /** Sends what may go now: one batch of every shard, or one per free shard once a backlog has built up. */
  private dispatch(): void {
    const waitedMs = this.oldestInFlightAgeMs();
    if (this.queued >= this.options.splitMinCommands || waitedMs >= this.options.stallMs) {
      const byBacklog = this.queues.map((queue, shard) => ({ shard, waiting: queue.length })).sort((a, b) => b.waiting - a.waiting);
      for (const { shard, waiting } of byBacklog) {
        if (this.lanes >= this.options.maxInFlightBatches) break;
        if (waiting > 0 && this.sentAt[shard] === undefined) this.send([shard]);
      }
    } else if (this.lanes === 0) {
      this.send(this.queues.map((_, shard) => shard));
    } else if (this.queued > 0 && !this.stallTimer) {
      // commands wait for the batch in flight; if it stalls, they go without it
      this.stallTimer = setTimeout(() => {
        this.stallTimer = undefined;
        this.dispatch();
      }, this.options.stallMs - waitedMs);
      this.stallTimer.unref();
    }
    if (this.lanes === 0 && !this.scheduled) {
      this.busy = false;
      this.markIdle();
    }
  }

  /** 0 with nothing in flight. Runs on every dispatch, so it allocates nothing. */
  private oldestInFlightAgeMs(): number {
    let oldest = Infinity;
    for (const sentAt of this.sentAt) if (sentAt !== undefined && sentAt < oldest) oldest = sentAt;
    return oldest === Infinity ? 0 : performance.now() - oldest;
  }

  private send(shards: number[]): void {
    const { batch, shards: taken } = this.takeBatch(shards);
    if (batch.length === 0) return;
    const sentAt = performance.now();
    for (const shard of taken) this.sentAt[shard] = sentAt;
    this.lanes++;
    void this.run(batch).finally(() => {
      for (const shard of taken) this.sentAt[shard] = undefined;
      this.lanes--;
      // the stall timer was set for the batches in flight then; dispatch sets one for those still in flight
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      this.dispatch();
    });
  }

  /**
   * The next batch from these shards' queues: queue order per shard, at most maxBatchCommands, and each holdId at
   * most once. A second command on the same hold (a retry, a capture racing its own create) waits for the next
   * batch, where it sees the first one's committed result; the batch function decides every command against
   * state read before it.
   */
  private takeBatch(shards: number[]): { batch: QueuedCommand[]; shards: number[] } {
    const batch: QueuedCommand[] = [];
    const taken: number[] = [];
    for (const shard of shards) {
      const queue = this.queues[shard]!;
      if (queue.length === 0 || batch.length >= this.options.maxBatchCommands) continue;
      const holdIds = new Set<string>();
      const deferred: QueuedCommand[] = [];
      let index = 0;
      for (; index < queue.length && batch.length < this.options.maxBatchCommands; index++) {
        const queued = queue[index]!;
        if (holdIds.has(queued.command.holdId)) deferred.push(queued);
        else {
          holdIds.add(queued.command.holdId);
          batch.push(queued);
        }
      }
      this.queues[shard] = deferred.length > 0 ? [...deferred, ...queue.slice(index)] : queue.slice(index);
      taken.push(shard);
    }
    this.queued -= batch.length;
    return { batch, shards: taken };
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
      this.enqueue(queued);
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
