import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HoldsRepository } from '../holds/holds.repository';

export interface HoldExpirySweeperOptions {
  intervalMs: number;
  batchSize: number;
}

export const HOLD_EXPIRY_SWEEPER_OPTIONS = Symbol('HOLD_EXPIRY_SWEEPER_OPTIONS');

/** Bounded passes per tick, so a backlog drains without one tick running forever. */
const MAX_BATCHES_PER_TICK = 10;

/**
 * Expires holds whose timeout_at (database clock) has passed. Postgres is the worklist, so replicas can
 * all run it (SKIP LOCKED) and a restart loses nothing.
 */
@Injectable()
export class HoldExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HoldExpirySweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly holds: HoldsRepository,
    @Inject(HOLD_EXPIRY_SWEEPER_OPTIONS) private readonly options: HoldExpirySweeperOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep: expire due holds in batches until a batch comes back short. */
  async sweep(): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_TICK && !this.stopped; batch++) {
      const expired = await this.holds.expireDue(this.options.batchSize);
      total += expired;
      if (expired < this.options.batchSize) break;
    }
    return total;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then((expired) => {
          if (expired > 0) this.logger.log({ expired }, 'expired holds');
        })
        .catch((error: unknown) => this.logger.error({ err: error }, 'hold expiry sweep failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
  }
}
