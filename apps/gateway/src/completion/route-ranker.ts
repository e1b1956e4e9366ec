import type { RoutingStrategy, RoutingTier } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { AUTO_MODEL_ID } from '@switchyard/pricing';
import type { RouteQuery } from './route-query';
import { orderByStrategy } from './routing-strategies';
import { breakerState, type RoutableEndpoint, type RoutingTable } from './routing-table';

/** A bound on the endpoints one request may try (fallbacks included). */
export const ROUTE_CANDIDATES_MAX = 16;

export interface RouteDecision {
  /** Best first; each model of `models: [...]` in turn (OpenRouter's partition by model). */
  endpoints: RoutableEndpoint[];
  strategy: RoutingStrategy;
  autoTier?: RoutingTier;
}

/** Why an endpoint cannot serve a request (checked before ranking). */
type Exclusion = 'own_key' | 'capability' | 'context' | 'provider' | 'max_price' | 'data_collection';

/**
 * Candidates for a request from the local routing table: per requested model, the endpoints that can serve (what the
 * request needs, context window, `only`/`ignore`, `max_price`, `data_collection`), minus those whose breaker is open
 * (kept as a last resort when nothing else is left), `provider.order` first, the rest by strategy with half-open
 * endpoints first (one request probes them). `auto` ranks its tier's models together, then the catalog after them.
 */
export function rankRoute(table: RoutingTable, query: RouteQuery, nowMs: number): RouteDecision {
  const exclusions = new Set<Exclusion>();
  const seen = new Set<RoutableEndpoint>();
  const admits = (endpoint: RoutableEndpoint): boolean => {
    const exclusion = excluded(endpoint, query, table);
    if (exclusion) exclusions.add(exclusion);
    return !exclusion && !seen.has(endpoint);
  };
  const eligible = (pool: Iterable<RoutableEndpoint>): RoutableEndpoint[] => {
    const kept: RoutableEndpoint[] = [];
    for (const endpoint of pool) if (admits(endpoint)) kept.push(endpoint);
    return kept;
  };
  const endpoints: RoutableEndpoint[] = [];
  let known = false;
  for (const model of [query.model, ...query.fallbackModels]) {
    let part: RoutableEndpoint[];
    if (model !== AUTO_MODEL_ID) {
      const pool = table.endpointsOf(model);
      known ||= pool.length > 0;
      part = arrange(eligible(pool), [], query, nowMs);
    } else {
      known ||= table.autoOrder.length > 0;
      const tierModels = query.autoTier ? table.tierModels(query.autoTier) : undefined;
      const tier = new Set<RoutableEndpoint>();
      for (const tierModel of tierModels ?? []) for (const endpoint of table.endpointsOf(tierModel)) tier.add(endpoint);
      // After the tier (or alone, without a snapshot: the catalog's auto order), only as many as can still be tried.
      part = arrange(eligible(tier), autoTail(table, tier, admits, nowMs), query, nowMs);
    }
    for (const endpoint of part) {
      seen.add(endpoint);
      endpoints.push(endpoint);
    }
    if (endpoints.length >= ROUTE_CANDIDATES_MAX) break;
  }
  if (endpoints.length === 0) throw noCandidate(query, known, exclusions);
  return { endpoints: endpoints.slice(0, ROUTE_CANDIDATES_MAX), strategy: query.strategy, autoTier: query.autoTier };
}

/**
 * `auto`'s catalog tail in order, cut once ROUTE_CANDIDATES_MAX usable endpoints are found (the hot path never walks a
 * large catalog to the end); endpoints cooling down are kept only as the last resort `arrange` may need.
 */
function autoTail(table: RoutingTable, tier: ReadonlySet<RoutableEndpoint>, admits: (endpoint: RoutableEndpoint) => boolean, nowMs: number): RoutableEndpoint[] {
  const usable: RoutableEndpoint[] = [];
  const cooling: RoutableEndpoint[] = [];
  for (const endpoint of table.autoOrder) {
    if (tier.has(endpoint) || !admits(endpoint)) continue;
    if (breakerState(endpoint, nowMs) !== 'open') usable.push(endpoint);
    else if (cooling.length < ROUTE_CANDIDATES_MAX) cooling.push(endpoint);
    if (usable.length >= ROUTE_CANDIDATES_MAX) break;
  }
  return [...usable, ...cooling];
}

function excluded(endpoint: RoutableEndpoint, query: RouteQuery, table: RoutingTable): Exclusion | undefined {
  const { price } = endpoint;
  const { needs } = query;
  if (table.needsOwnKey(price.providerId) && !query.ownKeyProviders?.has(price.providerId)) return 'own_key';
  if (query.only && !query.only.includes(price.providerId)) return 'provider';
  if (query.ignore?.includes(price.providerId)) return 'provider';
  if ((needs.tools && !price.supports.has('tools')) || (needs.vision && !price.supports.has('vision')) || (needs.jsonSchema && !price.supports.has('json_schema'))) return 'capability';
  if (query.requireParameters && ((needs.jsonObject && !price.supports.has('json_object') && !price.supports.has('json_schema')) || (needs.reasoning && !price.supports.has('reasoning')) || (needs.pdf && !price.supports.has('pdf')))) {
    return 'capability';
  }
  if (query.promptTokensEstimate >= price.contextTokensMax) return 'context';
  if (query.maxPromptMicrosPerMtok !== undefined && price.inputMicrosPerMtok > query.maxPromptMicrosPerMtok) return 'max_price';
  if (query.maxCompletionMicrosPerMtok !== undefined && price.outputMicrosPerMtok > query.maxCompletionMicrosPerMtok) return 'max_price';
  if (query.denyDataCollection && table.mayCollectData(price.providerId)) return 'data_collection';
  return undefined;
}

/**
 * Eligible endpoints in the order to try them: `ranked` by the strategy (half-open ones first), then `tail` in its given
 * order (auto's catalog after its tier); `provider.order` providers before both. Endpoints whose breaker is open are
 * left out, unless every one is cooling down: then they are tried anyway, soonest to half-open first.
 */
function arrange(ranked: readonly RoutableEndpoint[], tail: readonly RoutableEndpoint[], query: RouteQuery, nowMs: number): RoutableEndpoint[] {
  const all = [...ranked, ...tail];
  const usable = new Set(all.filter((e) => breakerState(e, nowMs) !== 'open'));
  if (usable.size === 0) {
    const cooling = all.sort((a, b) => (a.breaker.retryAtMs ?? 0) - (b.breaker.retryAtMs ?? 0));
    return query.allowFallbacks ? cooling : cooling.slice(0, 1);
  }
  const order = query.order;
  const inOrder = order ? [...usable].filter((e) => order.includes(e.price.providerId)).sort((a, b) => order.indexOf(a.price.providerId) - order.indexOf(b.price.providerId)) : [];
  if (order && !query.allowFallbacks) return inOrder;
  const rest = (list: readonly RoutableEndpoint[]) => list.filter((e) => usable.has(e) && !order?.includes(e.price.providerId));
  const result = [...inOrder, ...probesFirst(orderByStrategy(rest(ranked), query.strategy), nowMs), ...rest(tail)];
  return query.allowFallbacks ? result : result.slice(0, 1);
}

/** Half-open endpoints go first: one real request probes each, and its success closes the breaker. */
function probesFirst(ranked: RoutableEndpoint[], nowMs: number): RoutableEndpoint[] {
  const probes = ranked.filter((e) => breakerState(e, nowMs) === 'half_open');
  return probes.length === 0 ? ranked : [...probes, ...ranked.filter((e) => !probes.includes(e))];
}

function noCandidate(query: RouteQuery, known: boolean, exclusions: ReadonlySet<Exclusion>): AppError {
  if (!known) return new AppError('model_not_found', `The model '${query.model}' does not exist or no enabled provider serves it.`, { param: 'model' });
  if (exclusions.size === 1 && exclusions.has('own_key')) {
    return new AppError('model_not_found', `The model '${query.model}' is served on this gateway only with a workspace's own provider key (bring your own key), and this workspace has none for its provider.`, {
      param: 'model',
      details: { excluded_by: ['own_key'] },
    });
  }
  if (exclusions.size === 1 && exclusions.has('context')) {
    return new AppError('context_length_exceeded', `The prompt is too long for every endpoint of '${query.model}'.`, { param: 'messages' });
  }
  const reasons = [...exclusions].map((e) => EXCLUSION_TEXT[e]).join('; ');
  const providerSide = [...exclusions].some((e) => e === 'provider' || e === 'max_price' || e === 'data_collection');
  return new AppError('model_not_found', `No provider can serve '${query.model}' with the requested constraints${reasons ? ` (${reasons})` : ''}.`, { param: providerSide ? 'provider' : 'model', details: { excluded_by: [...exclusions] } });
}

const EXCLUSION_TEXT: Record<Exclusion, string> = {
  own_key: 'a provider is served only with the workspace’s own key',
  capability: 'an endpoint lacks a capability the request uses',
  context: 'the prompt exceeds the context window',
  provider: 'provider.only / provider.ignore',
  max_price: 'provider.max_price',
  data_collection: 'provider.data_collection is "deny"',
};
