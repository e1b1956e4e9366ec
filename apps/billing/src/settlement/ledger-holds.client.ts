import { Inject, Injectable } from '@nestjs/common';
import { microsToWire } from '@switchyard/contracts';
import { HoldCommandsClient } from '@switchyard/nats';
import { BILLING_ENV, type BillingEnv } from '../config/billing.env';

export type HoldStatus = 'posted' | 'voided' | 'expired';
export type CaptureMetadata = Record<string, string | number | boolean | null>;

/**
 * The ledger's hold commands over NATS, batched with other settlements in flight (HoldCommandsClient). Both are
 * idempotent by holdId, so a redelivered event may call again. A timeout surfaces as a retryable
 * service_unavailable: the event is nak'ed with backoff, not dropped.
 */
@Injectable()
export class LedgerHoldsClient {
  constructor(
    private readonly holdCommands: HoldCommandsClient,
    @Inject(BILLING_ENV) private readonly env: BillingEnv,
  ) {}

  async capture(holdId: string, amountMicros: bigint, metadata: CaptureMetadata, requestId: string): Promise<HoldStatus> {
    const reply = await this.holdCommands.capture({ holdId, amountMicros: microsToWire(amountMicros), metadata }, { timeoutMs: this.env.LEDGER_REQUEST_TIMEOUT_MS, requestId });
    return reply.status;
  }

  async release(holdId: string, reason: string, requestId: string): Promise<HoldStatus> {
    const reply = await this.holdCommands.release({ holdId, reason }, { timeoutMs: this.env.LEDGER_REQUEST_TIMEOUT_MS, requestId });
    return reply.status;
  }
}
