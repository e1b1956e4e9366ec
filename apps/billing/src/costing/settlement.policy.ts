import type { EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { byokFeePrice, notBilledReason, type PriceTable, quoteCostMicros } from '@switchyard/pricing';

export interface CostingConfig {
  markupBasisPoints: number;
  webSearchFeeMicros: bigint;
}

export type Settlement =
  | { kind: 'release'; reason: string }
  | { kind: 'capture'; amountMicros: bigint; tokensCostMicros: bigint; webSearchFeeMicros: bigint };

type CompletedRequest = Pick<EventPayload<typeof GatewayRequestCompleted>, 'outcome' | 'modelId' | 'providerId' | 'usage' | 'webSearchRequests' | 'surface' | 'byokFeeBasisPoints'>;

/**
 * Decides what one completed request costs. Pure: no I/O, so every money rule is unit tested.
 * Nothing produced → release the hold; otherwise capture the exact cost. An unpriced model is refused, never $0.
 */
export class SettlementPolicy {
  constructor(
    private readonly priceTable: PriceTable,
    private readonly config: CostingConfig,
  ) {}

  decide(request: CompletedRequest): Settlement {
    const { usage } = request;
    // An upstream error before any output voids the hold (DESIGN §3); an empty exchange is not billed either.
    const notBilled = notBilledReason(request.outcome, usage, request.surface);
    if (notBilled) return { kind: 'release', reason: notBilled };

    // Something was produced, so someone must pay for it: a missing price stops here (dead-lettered, visible).
    const price = request.providerId && request.modelId ? this.priceTable.find(request.providerId, request.modelId) : undefined;
    if (!price) {
      throw new AppError('model_not_priced', `No price for model '${request.modelId ?? '(none)'}' on provider '${request.providerId ?? '(none)'}'; refusing to bill it at $0.`, {
        details: { modelId: request.modelId, providerId: request.providerId },
      });
    }
    // client_aborted is billed like success: prompt plus the tokens actually produced.
    // A request served with the workspace's own provider key pays the platform fee, not the inference price.
    const charged = request.byokFeeBasisPoints != null ? byokFeePrice(price, request.byokFeeBasisPoints) : price;
    const tokensCostMicros = quoteCostMicros(charged, usage, this.config.markupBasisPoints);
    const webSearchFeeMicros = this.config.webSearchFeeMicros * BigInt(request.webSearchRequests);
    return { kind: 'capture', amountMicros: tokensCostMicros + webSearchFeeMicros, tokensCostMicros, webSearchFeeMicros };
  }
}
