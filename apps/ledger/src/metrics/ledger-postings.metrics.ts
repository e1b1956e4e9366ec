import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, type Registry } from 'prom-client';

export type PostingKind = 'transfer' | 'hold_place' | 'hold_capture' | 'hold_release';

/** `ledger_postings_total{kind}`: ledger writes committed by this process; `rate()` of it is postings per second. */
@Injectable()
export class LedgerPostingsMetrics {
  private readonly postings: Counter<'kind'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.postings = new Counter({
      name: 'ledger_postings_total',
      help: 'Ledger postings committed: transfers created (idempotent repeats excluded) and hold placements, captures and releases',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  record(kind: PostingKind, count = 1): void {
    if (count > 0) this.postings.inc({ kind }, count);
  }
}
