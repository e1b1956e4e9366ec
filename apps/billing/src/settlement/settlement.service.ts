import { Injectable, Logger } from '@nestjs/common';
import type { EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { SettlementPolicy } from '../costing/settlement.policy';
import { requestContentFromEvent } from '../request-content/request-content.mapper';
import { requestLogFromEvent } from '../request-log/request-log.mapper';
import { BillingMetrics } from './billing.metrics';
import { ChargeRepository, type NewCharge } from './charge.repository';
import { LedgerHoldsClient } from './ledger-holds.client';

type CompletedRequest = EventPayload<typeof GatewayRequestCompleted>;

/**
 * Settles one completed request exactly once: price it, resolve its hold in the ledger, then record the charge
 * and its request log row together.
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

  async settle(request: CompletedRequest): Promise<void> {
    // No "already charged?" read first: redeliveries are rare, the ledger answers a repeated capture or release
    // with the first outcome (idempotent by holdId), and recordIfAbsent ignores a second charge row.
    // Throws model_not_priced for an unpriced model: not retryable, so the event is dead-lettered and visible.
    const decision = this.policy.decide(request);
    const ledgerStatus =
      decision.kind === 'capture'
        ? await this.ledger.capture(
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
          )
        : await this.ledger.release(request.holdId, decision.reason, request.requestId);
    if (decision.kind === 'capture' && ledgerStatus !== 'posted') {
      // The hold expired or was voided first; the ledger books what it can as unbilled usage. Keep the trail.
      this.logger.warn({ requestId: request.requestId, holdId: request.holdId, ledgerStatus }, 'capture found the hold already resolved');
    }

    const settlement = decision.kind === 'capture' ? 'captured' : 'released';
    const costMicros = decision.kind === 'capture' ? decision.amountMicros : 0n;
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
      costMicros,
      settlement,
      ledgerStatus,
      completedAt: new Date(request.completedAt),
    };
    // The log row goes in the charge's transaction: usage, logs and generations never disagree with billing.
    const inserted = await this.charges.recordIfAbsent(charge, requestLogFromEvent(request), requestContentFromEvent(request));
    if (inserted) this.metrics.recordCharge(settlement, costMicros);
  }
}
