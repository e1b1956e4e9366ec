import type { BreakerState, EndpointHealth, RoutingConfig, RoutingSnapshot, RoutingTier } from '@switchyard/contracts';
import type { EndpointPrice } from '@switchyard/pricing';

/** Beta prior for success rates: an endpoint without samples counts as 95% reliable, worth 4 samples. */
const SUCCESS_PRIOR = 0.95;
const SUCCESS_PRIOR_WEIGHT = 4;

/** One endpoint as ranking sees it: its price data joined with the snapshot's health, precomputed per snapshot. */
export interface RoutableEndpoint {
  price: EndpointPrice;
  /** Position in catalog order: the last tie-break, so rankings are stable. */
  index: number;
  /** 3 input : 1 output tokens (the usual chat mix), micro-USD per 4M tokens; for ranking only, never for billing. */
  blendedPrice: number;
  health: EndpointHealth | undefined;
  ttftP50Ms: number | null;
  /** Smoothed success rate: (successes + prior × weight) / (samples + weight). */
  reliability: number;
  /** The breaker as published; `breakerState()` turns an expired `open` into `half_open`. */
  breaker: { state: BreakerState; retryAtMs: number | null };
}

export interface SnapshotInfo {
  routerId: string;
  sequence: number;
  publishedAtMs: number;
  healthWindowMs: number;
}

/**
 * The gateway's routing state: every priced endpoint of an enabled provider with its latest health, indexed for the hot
 * path. Built once per snapshot (or from the catalog alone when no snapshot ever arrived); read-only afterwards.
 */
export class RoutingTable {
  private readonly byModel = new Map<string, RoutableEndpoint[]>();
  /** Every chat endpoint in `auto`'s catalog order: last_resort endpoints last, then cheapest first. */
  readonly autoOrder: readonly RoutableEndpoint[];

  private constructor(
    readonly endpoints: readonly RoutableEndpoint[],
    readonly snapshot: SnapshotInfo | undefined,
    private readonly config: RoutingConfig | undefined,
    private readonly ownKeyOnly: ReadonlySet<string>,
  ) {
    for (const endpoint of endpoints) {
      const list = this.byModel.get(endpoint.price.modelId);
      if (list) list.push(endpoint);
      else this.byModel.set(endpoint.price.modelId, [endpoint]);
    }
    this.autoOrder = endpoints.filter((e) => e.price.outputTokensMax > 0).sort(compareAutoOrder);
  }

  /**
   * Chat endpoints (no embedding models) of the enabled providers, joined with the snapshot's health when there is one.
   * `ownKeyOnly`: providers of the catalog served only with a workspace's own key.
   */
  static build(catalog: readonly EndpointPrice[], snapshot: RoutingSnapshot | undefined, ownKeyOnly: ReadonlySet<string> = new Set()): RoutingTable {
    const health = new Map<string, EndpointHealth>();
    for (const endpoint of snapshot?.endpoints ?? []) health.set(`${endpoint.providerId}|${endpoint.modelId}`, endpoint);
    const chat = catalog.filter((e) => !e.supports.has('embeddings'));
    const endpoints = chat.map((price, index) => routable(price, index, health.get(`${price.providerId}|${price.modelId}`)));
    const info = snapshot ? { routerId: snapshot.routerId, sequence: snapshot.sequence, publishedAtMs: snapshot.publishedAtMs, healthWindowMs: snapshot.healthWindowMs } : undefined;
    return new RoutingTable(endpoints, info, snapshot?.config, ownKeyOnly);
  }

  endpointsOf(modelId: string): readonly RoutableEndpoint[] {
    return this.byModel.get(modelId) ?? [];
  }

  /** The operator's models for an `auto` tier; undefined without a snapshot (auto then follows catalog order). */
  tierModels(tier: RoutingTier): readonly string[] | undefined {
    return this.config?.tiers[tier];
  }

  /** Whether a provider is served only with a workspace's own key (the operator has none). */
  needsOwnKey(providerId: string): boolean {
    return this.ownKeyOnly.has(providerId);
  }

  /** Whether a provider may keep prompts: only an operator's `none` says it does not (no snapshot: unknown, so yes). */
  mayCollectData(providerId: string): boolean {
    return this.config?.providers[providerId]?.dataCollection !== 'none';
  }
}

/** An open breaker whose cooldown ended is half-open, even in a snapshot the router (now down) published earlier. */
export function breakerState(endpoint: RoutableEndpoint, nowMs: number): BreakerState {
  const { state, retryAtMs } = endpoint.breaker;
  if (state === 'open' && retryAtMs !== null && nowMs >= retryAtMs) return 'half_open';
  return state;
}

function routable(price: EndpointPrice, index: number, health: EndpointHealth | undefined): RoutableEndpoint {
  const samples = health?.samples ?? 0;
  const successes = health?.successes ?? 0;
  return {
    price,
    index,
    blendedPrice: Number(3n * price.inputMicrosPerMtok + price.outputMicrosPerMtok),
    health,
    ttftP50Ms: health?.ttftMs?.p50 ?? null,
    reliability: (successes + SUCCESS_PRIOR * SUCCESS_PRIOR_WEIGHT) / (samples + SUCCESS_PRIOR_WEIGHT),
    breaker: { state: health?.breaker.state ?? 'closed', retryAtMs: health?.breaker.retryAtMs ?? null },
  };
}

function compareAutoOrder(a: RoutableEndpoint, b: RoutableEndpoint): number {
  const lastA = a.price.autoRouting === 'last_resort' ? 1 : 0;
  const lastB = b.price.autoRouting === 'last_resort' ? 1 : 0;
  return lastA - lastB || a.blendedPrice - b.blendedPrice || a.price.modelId.localeCompare(b.price.modelId) || a.price.providerId.localeCompare(b.price.providerId);
}
