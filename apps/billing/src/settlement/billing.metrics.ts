import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ChargeSettlement } from './charge.entity';

/** Charges counted once per charge row written, so redeliveries do not inflate them; and settlement batch sizes. */
@Injectable()
export class BillingMetrics {
  private readonly charges: Counter<'settlement'>;
  private readonly costMicros: Counter;
  private readonly batchEvents: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.charges = new Counter({ name: 'billing_charges_total', help: 'Completed requests settled, by settlement', labelNames: ['settlement'], registers: [registry] });
    this.costMicros = new Counter({ name: 'billing_cost_micros_total', help: 'Micro-USD captured for completed requests', registers: [registry] });
    this.batchEvents = new Histogram({
      name: 'billing_settlement_batch_events',
      help: 'Completed-request events settled per batch (one Postgres transaction each)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    });
  }

  recordCharge(settlement: ChargeSettlement, costMicros: bigint): void {
    this.charges.inc({ settlement });
    // A float is fine for a monitoring counter; the ledger holds the exact amounts.
    if (costMicros > 0n) this.costMicros.inc(Number(costMicros));
  }

  recordBatch(events: number): void {
    this.batchEvents.observe(events);
  }
}
