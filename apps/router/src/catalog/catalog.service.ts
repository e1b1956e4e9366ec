import { Injectable } from '@nestjs/common';
import type { RouteCandidate } from '@switchyard/contracts';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';

/** Models × provider endpoints, from the price data: a model the table does not price does not exist. */
@Injectable()
export class CatalogService {
  private readonly chat: readonly EndpointPrice[];

  constructor(private readonly priceTable: PriceTable) {
    this.chat = priceTable
      .all()
      .filter((e) => !e.supports.has('embeddings'))
      .sort((a, b) => a.modelId.localeCompare(b.modelId) || compareBigint(a.inputMicrosPerMtok + a.outputMicrosPerMtok, b.inputMicrosPerMtok + b.outputMicrosPerMtok) || a.providerId.localeCompare(b.providerId));
  }

  endpointsFor(modelId: string): readonly EndpointPrice[] {
    return this.priceTable.endpointsFor(modelId);
  }

  all(): readonly EndpointPrice[] {
    return this.priceTable.all();
  }

  /** Every chat endpoint (no embedding models) in catalog order: by model, then cheapest provider first. */
  chatEndpoints(): readonly EndpointPrice[] {
    return this.chat;
  }

  toCandidate(endpoint: EndpointPrice): RouteCandidate {
    return { modelId: endpoint.modelId, providerId: endpoint.providerId, upstreamModel: endpoint.upstreamModel };
  }
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
