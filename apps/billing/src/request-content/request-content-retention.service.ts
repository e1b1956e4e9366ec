import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';
import { RequestContentRepository } from './request-content.repository';

const DAY_MS = 86_400_000;
/** Rows per delete statement, and statements per sweep: a sweep never holds a long lock nor runs unbounded. */
const DELETE_BATCH_ROWS = 1_000;
const BATCHES_PER_SWEEP_MAX = 100;

/**
 * Deletes stored prompts and completions older than CONTENT_RETENTION_DAYS, every CONTENT_RETENTION_SWEEP_MS (and once
 * at boot). Every replica may sweep: deletes skip rows another replica is deleting.
 */
@Injectable()
export class RequestContentRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RequestContentRetention.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly contents: RequestContentRepository,
    @Inject(BILLING_ENV) private readonly env: BillingEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweepInBackground(), this.env.CONTENT_RETENTION_SWEEP_MS);
    this.timer.unref();
    this.sweepInBackground();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes what is past the retention now; returns how many rows went. */
  async sweep(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.env.CONTENT_RETENTION_DAYS * DAY_MS);
    let deleted = 0;
    for (let batch = 0; batch < BATCHES_PER_SWEEP_MAX; batch++) {
      const gone = await this.contents.deleteOlderThan(before, DELETE_BATCH_ROWS);
      deleted += gone;
      if (gone < DELETE_BATCH_ROWS) break;
    }
    if (deleted > 0) this.logger.log({ deleted, retentionDays: this.env.CONTENT_RETENTION_DAYS }, 'deleted request contents past their retention');
    return deleted;
  }

  private sweepInBackground(): void {
    if (this.running) return;
    this.running = this.sweep()
      .then(() => undefined)
      .catch((error) => this.logger.warn({ err: error }, 'request content retention sweep failed; retried at the next interval'))
      .finally(() => (this.running = undefined));
  }
}
