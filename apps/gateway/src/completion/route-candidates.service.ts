import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ChatRequest, type RouteCandidate, RouterRouteResolve, type RoutingStrategy, RoutingStrategySchema } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { AUTO_MODEL_ID, autoCandidates, type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { ProviderRegistry } from '../providers/provider-registry';

export interface PricedCandidate extends RouteCandidate {
  price: EndpointPrice;
}

interface RouteQuery {
  model: string;
  fallbackModels: string[];
  strategy?: RoutingStrategy;
  provider?: ChatRequest['provider'];
  needs: { tools: boolean; vision: boolean; jsonSchema: boolean };
  promptCharacters: number;
}

/** Characters of text in the prompt (what `auto` checks against context windows). */
function promptCharacters(request: ChatRequest): number {
  let characters = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else if (Array.isArray(message.content)) for (const part of message.content) if (part.type === 'text') characters += part.text.length;
  }
  return characters;
}

const CACHE_TTL_MS = 5_000;
const CACHE_ENTRIES_MAX = 1_000;
const PROMPT_CHARACTERS_BUCKET = 4_096;

/**
 * Candidates for a request, best first: the router's answer (cached a few seconds per model + options);
 * router down or slow → the price table's direct model → provider mapping. Only enabled, priced providers.
 */
@Injectable()
export class RouteCandidatesService {
  private readonly logger = new Logger(RouteCandidatesService.name);
  private readonly cache = new Map<string, { candidates: RouteCandidate[]; expiresAtMs: number }>();

  constructor(
    private readonly bus: NatsBus,
    private readonly priceTable: PriceTable,
    private readonly providers: ProviderRegistry,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  async resolve(request: ChatRequest, strategyHeader: string | undefined): Promise<PricedCandidate[]> {
    const query = {
      model: request.model,
      fallbackModels: (request.models ?? []).filter((m) => m !== request.model),
      strategy: this.strategy(request, strategyHeader),
      provider: request.provider,
      needs: {
        tools: (request.tools?.length ?? 0) > 0,
        vision: request.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url')),
        jsonSchema: request.response_format?.type === 'json_schema',
      },
      // Only `auto` uses it (to skip endpoints whose context cannot fit); rounded up to 4k so the cache key stays coarse.
      promptCharacters: request.model === AUTO_MODEL_ID ? Math.ceil(promptCharacters(request) / PROMPT_CHARACTERS_BUCKET) * PROMPT_CHARACTERS_BUCKET : 0,
    };
    const key = JSON.stringify(query);
    const now = Date.now();
    let candidates = this.cache.get(key);
    if (!candidates || candidates.expiresAtMs <= now) {
      const answer = await this.ask(query);
      candidates = { candidates: answer, expiresAtMs: now + CACHE_TTL_MS };
      if (this.cache.size >= CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, candidates);
    }
    const priced: PricedCandidate[] = [];
    for (const candidate of candidates.candidates) {
      if (!this.providers.isEnabled(candidate.providerId)) continue;
      const price = this.priceTable.find(candidate.providerId, candidate.modelId);
      if (price) priced.push({ ...candidate, price });
    }
    if (priced.length === 0) {
      throw new AppError('model_not_found', `The model '${request.model}' does not exist or no enabled provider serves it.`, { param: 'model' });
    }
    return priced;
  }

  private async ask(query: RouteQuery): Promise<RouteCandidate[]> {
    try {
      const reply = await this.bus.request(RouterRouteResolve, query, { timeoutMs: this.env.ROUTER_TIMEOUT_MS });
      return reply.candidates;
    } catch (error) {
      // The router's verdict on the model is final; only its absence degrades to the price table.
      if (error instanceof AppError && (error.code === 'model_not_found' || error.code === 'invalid_request')) {
        throw new AppError(error.code, error.message, { param: 'model', details: error.details });
      }
      this.logger.warn({ err: error, model: query.model }, 'router unavailable; routing from the price table');
      return this.fromPriceTable(query);
    }
  }

  /** Degraded routing: every priced endpoint of the model and its fallbacks (`auto`: by its rule), provider filters applied, cheapest first. */
  private fromPriceTable(query: RouteQuery): RouteCandidate[] {
    const { only, ignore } = query.provider ?? {};
    const allowed = (e: EndpointPrice) => (!only || only.includes(e.providerId)) && (!ignore || !ignore.includes(e.providerId));
    if (query.model === AUTO_MODEL_ID) {
      return autoCandidates(this.priceTable.all().filter((e) => this.providers.isEnabled(e.providerId)), query.needs, query.promptCharacters)
        .filter(allowed)
        .map((e) => ({ modelId: e.modelId, providerId: e.providerId, upstreamModel: e.upstreamModel }));
    }
    return [query.model, ...query.fallbackModels].flatMap((modelId) =>
      [...this.priceTable.endpointsFor(modelId)]
        .filter((e) => (!only || only.includes(e.providerId)) && (!ignore || !ignore.includes(e.providerId)))
        .sort((a, b) => {
          const pa = a.inputMicrosPerMtok + a.outputMicrosPerMtok;
          const pb = b.inputMicrosPerMtok + b.outputMicrosPerMtok;
          return pa < pb ? -1 : pa > pb ? 1 : 0;
        })
        .map((e) => ({ modelId: e.modelId, providerId: e.providerId, upstreamModel: e.upstreamModel })),
    );
  }

  private strategy(request: ChatRequest, header: string | undefined): RoutingStrategy | undefined {
    const fromHeader = RoutingStrategySchema.safeParse(header);
    if (fromHeader.success) return fromHeader.data;
    switch (request.provider?.sort) {
      case 'price':
        return 'cheapest';
      case 'latency':
      case 'throughput':
        return 'fastest';
      default:
        return undefined;
    }
  }
}
