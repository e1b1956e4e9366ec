import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@switchyard/nest-common';
import { Counter, type Registry } from 'prom-client';
import type { ChargeSettlement } from './charge.entity';

/** Counted once per charge row written, so redeliveries do not inflate them. */
@Injectable()
export class BillingMetrics {
  private readonly charges: Counter<'settlement'>;
  private readonly costMicros: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.charges = new Counter({ name: 'billing_charges_total', help: 'Completed requests settled, by settlement', labelNames: ['settlement'], registers: [registry] });
    this.costMicros = new Counter({ name: 'billing_cost_micros_total', help: 'Micro-USD captured for completed requests', registers: [registry] });
  }

  recordCharge(settlement: ChargeSettlement, costMicros: bigint): void {
    this.charges.inc({ settlement });
    // A float is fine for a monitoring counter; the ledger holds the exact amounts.
    if (costMicros > 0n) this.costMicros.inc(Number(costMicros));
  }
}
