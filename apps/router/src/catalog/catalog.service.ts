import { Injectable } from '@nestjs/common';
import type { RouteCandidate } from '@switchyard/contracts';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';

/** Models × provider endpoints, from the price data: a model the table does not price does not exist. */
@Injectable()
export class CatalogService {
  constructor(private readonly priceTable: PriceTable) {}

  endpointsFor(modelId: string): readonly EndpointPrice[] {
    return this.priceTable.endpointsFor(modelId);
  }

  all(): readonly EndpointPrice[] {
    return this.priceTable.all();
  }

  toCandidate(endpoint: EndpointPrice): RouteCandidate {
    return { modelId: endpoint.modelId, providerId: endpoint.providerId, upstreamModel: endpoint.upstreamModel };
  }
}
