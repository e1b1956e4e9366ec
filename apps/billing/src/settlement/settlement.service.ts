import { Injectable, Logger } from '@nestjs/common';
import { type Context, context as otelContext } from '@opentelemetry/api';
import type { EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { type Settlement, SettlementPolicy } from '../costing/settlement.policy';
import { requestContentFromEvent } from '../request-content/request-content.mapper';
import { requestLogFromEvent } from '../request-log/request-log.mapper';
import { BillingMetrics } from './billing.metrics';
import { type ChargeRecord, ChargeRepository, type NewCharge } from './charge.repository';
import { type HoldStatus, LedgerHoldsClient } from './ledger-holds.client';

export type CompletedRequest = EventPayload<typeof GatewayRequestCompleted>;

/** A request to settle, with the trace context of its delivery (its ledger call joins that trace, not the batch's first). */
export interface PendingSettlement {
  request: CompletedRequest;
  traceContext?: Context;
}

/** One request's result within a batch: settled (charged now or already before), or failed alone. */
export type SettlementOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Settles completed requests exactly once, many at a time: price each, resolve each hold in the ledger, then
 * record every charge with its request log row in one transaction.
 * The ledger call comes first and is idempotent by holdId; the charge row is the inbox that makes redeliveries no-ops.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);

  constructor(
    private readonly policy: SettlementPolicy,
    private readonly charges: ChargeRepository,
    private readonly ledger: LedgerHoldsClient,
    private readonly metrics: BillingMetrics,
  ) {}

  /**
   * One outcome per request, in order. A request that cannot be priced or whose ledger call fails fails alone;
   * if the transaction fails, every request that reached it fails (each is retried; all steps are idempotent).
   */
  async settleMany(pending: readonly PendingSettlement[]): Promise<SettlementOutcome[]> {
    const outcomes: SettlementOutcome[] = pending.map(() => ({ ok: true }));
    // The ledger calls go out together: the ledger client coalesces concurrent commands into few messages.
    const resolved = await Promise.all(
      pending.map(async ({ request, traceContext }, index) => {
        try {
          const hold = await otelContext.with(traceContext ?? otelContext.active(), () => this.resolveHold(request));
          return this.chargeRecord(request, hold);
        } catch (error) {
          outcomes[index] = { ok: false, error };
          return undefined;
        }
      }),
    );
    const records = resolved.filter((record): record is ChargeRecord => record !== undefined);
    let charged: ChargeRecord[];
    try {
      charged = await this.charges.recordManyIfAbsent(records);
    } catch (error) {
      resolved.forEach((record, index) => {
        if (record) outcomes[index] = { ok: false, error };
      });
      return outcomes;
    }
    // counted once per charge row written, so redeliveries (and a request twice in one batch) count nothing more
    for (const { charge } of charged) this.metrics.recordCharge(charge.settlement, charge.costMicros);
    return outcomes;
  }

  /**
   * No "already charged?" read first: redeliveries are rare, the ledger answers a repeated capture or release
   * with the first outcome (idempotent by holdId), and the charge insert ignores a second row.
   * Throws model_not_priced for an unpriced model: not retryable, so the event is dead-lettered and visible.
   */
  private async resolveHold(request: CompletedRequest): Promise<{ decision: Settlement; ledgerStatus: HoldStatus }> {
    const decision = this.policy.decide(request);
    if (decision.kind === 'release') return { decision, ledgerStatus: await this.ledger.release(request.holdId, decision.reason, request.requestId) };
    const ledgerStatus = await this.ledger.capture(
      request.holdId,
      decision.amountMicros,
      {
        requestId: request.requestId,
        workspaceId: request.workspaceId,
        apiKeyId: request.apiKeyId,
        modelId: request.modelId,
        providerId: request.providerId,
        webSearchFeeMicros: decision.webSearchFeeMicros.toString(),
      },
      request.requestId,
    );
    if (ledgerStatus !== 'posted') {
      // The hold expired or was voided first; the ledger books what it can as unbilled usage. Keep the trail.
      this.logger.warn({ requestId: request.requestId, holdId: request.holdId, ledgerStatus }, 'capture found the hold already resolved');
    }
    return { decision, ledgerStatus };
  }

  private chargeRecord(request: CompletedRequest, { decision, ledgerStatus }: { decision: Settlement; ledgerStatus: HoldStatus }): ChargeRecord {
    const charge: NewCharge = {
      requestId: request.requestId,
      holdId: request.holdId,
      workspaceId: request.workspaceId,
      apiKeyId: request.apiKeyId,
      modelId: request.modelId,
      providerId: request.providerId,
      outcome: request.outcome,
      promptTokens: request.usage.promptTokens,
      completionTokens: request.usage.completionTokens,
      cachedPromptTokens: request.usage.cachedPromptTokens,
      cacheWriteTokens: request.usage.cacheWriteTokens,
      reasoningTokens: request.usage.reasoningTokens,
      webSearchRequests: request.webSearchRequests,
      costMicros: decision.kind === 'capture' ? decision.amountMicros : 0n,
      settlement: decision.kind === 'capture' ? 'captured' : 'released',
      ledgerStatus,
      completedAt: new Date(request.completedAt),
    };
    // The log row goes in the charge's transaction: usage, logs and generations never disagree with billing.
    return { charge, log: requestLogFromEvent(request), content: requestContentFromEvent(request) };
  }
}
