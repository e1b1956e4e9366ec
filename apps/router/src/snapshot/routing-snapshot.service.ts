import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { RoutingConfig, RoutingSnapshot } from '@switchyard/contracts';
import { CatalogService } from '../catalog/catalog.service';
import { ROUTER_ENV, type RouterEnv } from '../config/router.env';
import { HealthTracker } from '../health/health-tracker';
import { ROUTING_CONFIG } from '../routing-config/routing-config.token';
import { buildRoutingSnapshot } from './routing-snapshot.builder';
import { RoutingSnapshotPublisher } from './routing-snapshot.publisher';

/**
 * Publishes the routing snapshot: at boot, whenever health changed (at most every ROUTER_SNAPSHOT_INTERVAL_MS), when a
 * breaker's cooldown ends, and as a heartbeat. A publish that fails is retried on the next tick.
 */
@Injectable()
export class RoutingSnapshotService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoutingSnapshotService.name);
  private readonly routerId = `router-${randomBytes(6).toString('hex')}`;
  private sequence = 0;
  private publishedVersion = -1;
  private publishedAtMs = 0;
  private nextBreakerChangeMs = Number.POSITIVE_INFINITY;
  private timer?: NodeJS.Timeout;
  private publishing = false;

  constructor(
    private readonly catalog: CatalogService,
    private readonly health: HealthTracker,
    private readonly publisher: RoutingSnapshotPublisher,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
    @Inject(ROUTER_ENV) private readonly env: RouterEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const previous = await this.publisher.latest().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'previous routing snapshot unreadable; starting with fresh breakers');
      return undefined;
    });
    if (previous) this.health.restoreOpenBreakers(previous.endpoints, Date.now());
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.env.ROUTER_SNAPSHOT_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.publishing) return;
    const nowMs = Date.now();
    const due = this.health.changeVersion !== this.publishedVersion || nowMs >= this.nextBreakerChangeMs || nowMs - this.publishedAtMs >= this.env.ROUTER_SNAPSHOT_HEARTBEAT_MS;
    if (!due) return;
    this.publishing = true;
    const version = this.health.changeVersion;
    const snapshot = buildRoutingSnapshot({
      routerId: this.routerId,
      sequence: this.sequence + 1,
      nowMs,
      healthWindowMs: this.env.ROUTER_HEALTH_WINDOW_MS,
      catalog: this.catalog.chatEndpoints(),
      health: this.health,
      config: this.config,
    });
    try {
      await this.publisher.publish(snapshot);
      this.sequence = snapshot.sequence;
      this.publishedVersion = version;
      this.publishedAtMs = nowMs;
      this.nextBreakerChangeMs = nextBreakerChangeMs(snapshot);
    } catch (error) {
      this.logger.warn({ err: error }, 'routing snapshot not published; retrying on the next tick');
    } finally {
      this.publishing = false;
    }
  }
}

/** When the earliest open breaker half-opens (the snapshot is republished then), or never. */
function nextBreakerChangeMs(snapshot: RoutingSnapshot): number {
  let next = Number.POSITIVE_INFINITY;
  for (const endpoint of snapshot.endpoints) {
    if (endpoint.breaker.state === 'open' && endpoint.breaker.retryAtMs !== null) next = Math.min(next, endpoint.breaker.retryAtMs);
  }
  return next;
}
