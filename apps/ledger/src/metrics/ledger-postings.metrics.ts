import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, Histogram, type Registry } from 'prom-client';

export type PostingKind = 'transfer' | 'hold_place' | 'hold_capture' | 'hold_release';
export type HoldCommandKind = 'create' | 'capture' | 'release';

/** From 0.5 ms (one small batch on an idle machine) to seconds (a backlog); issue 4's target is p99 ≤ 5 ms. */
const HOLD_COMMAND_BUCKETS_S = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * `ledger_postings_total{kind}`: ledger writes committed by this process; `rate()` of it is postings per second.
 * `ledger_hold_command_duration_seconds{command}`: a hold command's time in this process, from its arrival to its
 * commit (the wait for its batch included), whatever the outcome; the NATS hops to the caller are not in it.
 */
@Injectable()
export class LedgerPostingsMetrics {
  private readonly postings: Counter<'kind'>;
  private readonly holdCommandDuration: Histogram<'command'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.postings = new Counter({
      name: 'ledger_postings_total',
      help: 'Ledger postings committed: transfers created (idempotent repeats excluded) and hold placements, captures and releases',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.holdCommandDuration = new Histogram({
      name: 'ledger_hold_command_duration_seconds',
      help: 'Hold commands (create, capture, release) from arrival to commit in the ledger, batch wait included, any outcome',
      labelNames: ['command'],
      buckets: HOLD_COMMAND_BUCKETS_S,
      registers: [registry],
    });
  }

  record(kind: PostingKind, count = 1): void {
    if (count > 0) this.postings.inc({ kind }, count);
  }

  /** Runs a hold command and records its duration, whether it succeeds or throws. */
  async timeHoldCommand<T>(command: HoldCommandKind, run: () => Promise<T>): Promise<T> {
    const startedAtMs = performance.now();
    try {
      return await run();
    } finally {
      this.holdCommandDuration.observe({ command }, (performance.now() - startedAtMs) / 1_000);
    }
  }
}
