import { Injectable } from '@nestjs/common';
import type { CommandRequest, CommandResponse, RouterRouteResolve } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { AUTO_MODEL_ID, autoCandidates, type EndpointPrice } from '@switchyard/pricing';
import { CatalogService } from '../catalog/catalog.service';

type ResolveRequest = CommandRequest<typeof RouterRouteResolve>;
type ResolveResponse = CommandResponse<typeof RouterRouteResolve>;

/** Turns a requested model (plus fallbacks and provider preferences) into ordered candidates. */
@Injectable()
export class RouteResolverService {
  constructor(private readonly catalog: CatalogService) {}

  resolve(request: ResolveRequest): ResolveResponse {
    const strategy = request.strategy ?? 'balanced';
    const modelIds = [request.model, ...request.fallbackModels.filter((m) => m !== request.model)];
    const candidates = modelIds.flatMap((modelId) =>
      modelId === AUTO_MODEL_ID ? this.filter(autoCandidates(this.catalog.all(), request.needs, request.promptCharacters), request) : this.rank(this.filter(this.catalog.endpointsFor(modelId), request), request),
    );
    if (candidates.length === 0) {
      const known = request.model === AUTO_MODEL_ID || this.catalog.endpointsFor(request.model).length > 0;
      throw known
        ? new AppError('model_not_found', `No provider can serve '${request.model}' with the requested constraints.`, { param: 'model' })
        : new AppError('model_not_found', `The model '${request.model}' does not exist or is not priced.`, { param: 'model' });
    }
    return { requestedModel: request.model, strategy, candidates: candidates.map((c) => this.catalog.toCandidate(c)) };
  }

  /** Chat endpoints (never embedding models) the provider preferences allow, with what the request needs. */
  private filter(endpoints: readonly EndpointPrice[], request: ResolveRequest): EndpointPrice[] {
    const { only, ignore } = request.provider ?? {};
    return endpoints.filter(
      (e) =>
        !e.supports.has('embeddings') &&
        (!only || only.includes(e.providerId)) &&
        (!ignore || !ignore.includes(e.providerId)) &&
        (!request.needs.tools || e.supports.has('tools')) &&
        (!request.needs.vision || e.supports.has('vision')) &&
        (!request.needs.jsonSchema || e.supports.has('json_schema')),
    );
  }

  private rank(endpoints: EndpointPrice[], request: ResolveRequest): EndpointPrice[] {
    const order = request.provider?.order;
    return [...endpoints].sort((a, b) => {
      if (order) {
        const ia = order.indexOf(a.providerId);
        const ib = order.indexOf(b.providerId);
        if (ia !== ib) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
      }
      const pa = a.inputMicrosPerMtok + a.outputMicrosPerMtok;
      const pb = b.inputMicrosPerMtok + b.outputMicrosPerMtok;
      return pa < pb ? -1 : pa > pb ? 1 : 0;
    });
  }
}
