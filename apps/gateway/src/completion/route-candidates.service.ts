import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ChatRequest, RouteCandidate, RoutingSnapshot, RoutingStrategy, RoutingTier } from '@switchyard/contracts';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from '@switchyard/nats';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { ProviderRegistry } from '../providers/provider-registry';
import { routeQuery } from './route-query';
import { rankRoute } from './route-ranker';
import { RoutingSnapshotSubscriber } from './routing-snapshot.subscriber';
import { RoutingTable } from './routing-table';

export interface PricedCandidate extends RouteCandidate {
  price: EndpointPrice;
}

/** The candidates and how they were chosen (for the completed event and logs). */
export interface RoutedRequest {
  candidates: PricedCandidate[];
  strategy: RoutingStrategy;
  /** The tier `auto` classified the prompt into; undefined when `auto` was not asked for. */
  autoTier?: RoutingTier;
  /** The router snapshot the ranking used; undefined when none ever arrived (catalog order). */
  snapshotPublishedAtMs?: number;
}

/**
 * Candidates for a request, best first, ranked in-process from the router's latest snapshot (health, breakers, auto
 * tiers) joined with the local price table: no NATS round trip on the hot path. Router down → the last snapshot stays
 * in use; no snapshot yet → catalog order. Only enabled providers with a price are ever returned; own-key-only
 * providers (no operator key) only to a workspace that stored its own key for them.
 */
@Injectable()
export class RouteCandidatesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RouteCandidatesService.name);
  private readonly catalog: readonly EndpointPrice[];
  private readonly ownKeyOnly: ReadonlySet<string>;
  private table: RoutingTable;
  private readonly snapshots: RoutingSnapshotSubscriber;

  constructor(
    priceTable: PriceTable,
    providers: ProviderRegistry,
    @Inject(NATS_CONNECTION_OPTIONS) natsOptions: NatsConnectionOptions,
  ) {
    this.catalog = priceTable.all().filter((e) => providers.isEnabled(e.providerId) || providers.isOwnKeyOnly(e.providerId));
    this.ownKeyOnly = new Set(this.catalog.map((e) => e.providerId).filter((id) => providers.isOwnKeyOnly(id)));
    this.table = RoutingTable.build(this.catalog, undefined, this.ownKeyOnly);
    this.snapshots = new RoutingSnapshotSubscriber(natsOptions, (snapshot) => this.useSnapshot(snapshot));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.snapshots.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.snapshots.stop();
  }

  /**
   * The ranked candidates, the strategy used and the `auto` tier (for the completed event). Synchronous: no I/O.
   * `ownKeyProviders`: the providers the caller's workspace has its own key for (none: own-key-only ones are left out).
   */
  route(request: ChatRequest, strategyHeader: string | undefined, ownKeyProviders: ReadonlySet<string> = new Set()): RoutedRequest {
    const table = this.table;
    const decision = rankRoute(table, { ...routeQuery(request, strategyHeader), ownKeyProviders }, Date.now());
    return {
      candidates: decision.endpoints.map(({ price }) => ({ modelId: price.modelId, providerId: price.providerId, upstreamModel: price.upstreamModel, price })),
      strategy: decision.strategy,
      autoTier: decision.autoTier,
      snapshotPublishedAtMs: table.snapshot?.publishedAtMs,
    };
  }

  /** The table ranking reads now (for `GET /api/v1/models/{id}/endpoints`). */
  routingTable(): RoutingTable {
    return this.table;
  }

  private useSnapshot(snapshot: RoutingSnapshot): void {
    const first = this.table.snapshot === undefined;
    this.table = RoutingTable.build(this.catalog, snapshot, this.ownKeyOnly);
    if (first) this.logger.log({ routerId: snapshot.routerId, endpoints: snapshot.endpoints.length }, 'routing from the router snapshot');
  }
}
