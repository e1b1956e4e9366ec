import { Logger } from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { RouterSnapshotPublished, type RoutingSnapshot, RoutingSnapshotSchema, RoutingSnapshotsStream } from '@switchyard/contracts';
import type { NatsConnectionOptions } from '@switchyard/nats';

/** Besides live updates, the latest snapshot is re-read this often (and after every reconnect), so a missed one heals. */
const REFRESH_INTERVAL_MS = 30_000;
const LATEST_READ_TIMEOUT_MS = 2_000;

/**
 * Follows the router's routing snapshots: reads the latest one kept in the ROUTING_SNAPSHOTS stream, then every new one
 * published on the subject. Hands each newer snapshot (by publish time, then sequence) to `onSnapshot`. The only NATS
 * I/O of local routing; if NATS or the router is away, the last snapshot received simply stays in use.
 */
export class RoutingSnapshotSubscriber {
  private readonly logger = new Logger(RoutingSnapshotSubscriber.name);
  private connection?: NatsConnection;
  private manager?: JetStreamManager;
  private subscription?: Subscription;
  private refreshTimer?: NodeJS.Timeout;
  private newest?: { publishedAtMs: number; routerId: string; sequence: number };

  constructor(
    private readonly options: NatsConnectionOptions,
    private readonly onSnapshot: (snapshot: RoutingSnapshot) => void,
  ) {}

  private get subject(): string {
    return `${this.options.subjectPrefix}${RouterSnapshotPublished.subject}`;
  }

  private get streamName(): string {
    return `${this.options.subjectPrefix.replace(/\./g, '_').toUpperCase()}${RoutingSnapshotsStream.name}`;
  }

  /** Connects, subscribes, then reads the latest stored snapshot; never throws (routing degrades to catalog order). */
  async start(): Promise<void> {
    try {
      const connection = await connect({ servers: [this.options.url], name: `${this.options.serviceName}-routing-snapshots`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      this.connection = connection;
      this.manager = await jetstreamManager(connection, { timeout: LATEST_READ_TIMEOUT_MS });
      this.subscription = connection.subscribe(this.subject, { callback: (error: Error | null, message: Msg) => (error ? undefined : this.accept(message.json(), 'live')) });
      void this.watchReconnects(connection);
      await this.readLatest();
    } catch (error) {
      this.logger.warn({ err: error }, 'routing snapshots unavailable; routing by catalog order until one arrives');
    }
    this.refreshTimer = setInterval(() => void this.readLatest(), REFRESH_INTERVAL_MS);
    this.refreshTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.subscription?.unsubscribe();
    await this.connection?.drain().catch(() => undefined);
  }

  private async readLatest(): Promise<void> {
    if (!this.manager) return;
    try {
      const message = await this.manager.streams.getMessage(this.streamName, { last_by_subj: this.subject });
      if (message) this.accept(message.json(), 'stored');
    } catch (error) {
      // No stream yet (no router ever ran) or NATS away: keep what we have.
      if (!/not found|no message/i.test(String((error as Error).message))) this.logger.warn({ err: error }, 'latest routing snapshot not read');
    }
  }

  private accept(payload: unknown, source: 'live' | 'stored'): void {
    const parsed = RoutingSnapshotSchema.safeParse(payload);
    if (!parsed.success) {
      this.logger.warn({ source, issues: parsed.error.issues.slice(0, 3) }, 'routing snapshot rejected');
      return;
    }
    const snapshot = parsed.data;
    const newest = this.newest;
    if (newest && (snapshot.publishedAtMs < newest.publishedAtMs || (snapshot.routerId === newest.routerId && snapshot.sequence <= newest.sequence))) return;
    this.newest = { publishedAtMs: snapshot.publishedAtMs, routerId: snapshot.routerId, sequence: snapshot.sequence };
    this.onSnapshot(snapshot);
  }

  private async watchReconnects(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'reconnect') void this.readLatest();
    }
  }
}
