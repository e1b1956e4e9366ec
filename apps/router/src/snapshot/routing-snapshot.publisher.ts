import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ROUTING_SNAPSHOT_MESSAGES_PER_SUBJECT, RouterSnapshotPublished, type RoutingSnapshot, RoutingSnapshotSchema, RoutingSnapshotsStream } from '@switchyard/contracts';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from '@switchyard/nats';

const PUBLISH_TIMEOUT_MS = 2_000;

/**
 * Writes routing snapshots to a JetStream stream that keeps one message per subject (a KV bucket in all but name):
 * gateways read the latest on start and get each new one on the subject.
 */
@Injectable()
export class RoutingSnapshotPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(RoutingSnapshotPublisher.name);
  private connection?: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }>;

  constructor(@Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions) {}

  private get streamName(): string {
    return `${this.options.subjectPrefix.replace(/\./g, '_').toUpperCase()}${RoutingSnapshotsStream.name}`;
  }

  private get subject(): string {
    return `${this.options.subjectPrefix}${RouterSnapshotPublished.subject}`;
  }

  private connect() {
    this.connection ??= (async () => {
      const nc = await connect({ servers: [this.options.url], name: `${this.options.serviceName}-snapshots`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const jsm = await jetstreamManager(nc);
      const config = {
        name: this.streamName,
        subjects: RoutingSnapshotsStream.subjects.map((s) => `${this.options.subjectPrefix}${s}`),
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_msgs_per_subject: ROUTING_SNAPSHOT_MESSAGES_PER_SUBJECT,
        duplicate_window: nanos(RoutingSnapshotsStream.duplicateWindowMs),
        max_age: nanos(RoutingSnapshotsStream.maxAgeMs),
        allow_direct: true,
      };
      try {
        await jsm.streams.info(config.name);
        await jsm.streams.update(config.name, config);
      } catch (error) {
        if (!/not found/i.test(String((error as Error).message))) throw error;
        await jsm.streams.add(config);
      }
      return { nc, js: jetstream(nc), jsm };
    })();
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  async publish(snapshot: RoutingSnapshot): Promise<void> {
    const { js } = await this.connect();
    await js.publish(this.subject, JSON.stringify(snapshot), { msgID: RouterSnapshotPublished.messageId(snapshot), timeout: PUBLISH_TIMEOUT_MS });
  }

  /** The snapshot a previous router process left, if any (to restore its open breakers). */
  async latest(): Promise<RoutingSnapshot | undefined> {
    const { jsm } = await this.connect();
    try {
      const message = await jsm.streams.getMessage(this.streamName, { last_by_subj: this.subject });
      if (!message) return undefined;
      const parsed = RoutingSnapshotSchema.safeParse(message.json());
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (/not found|no message/i.test(String((error as Error).message))) return undefined;
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.connection) return;
    const { nc } = await this.connection.catch(() => ({ nc: undefined }));
    await nc?.drain().catch((error: unknown) => this.logger.warn({ err: error }, 'snapshot connection did not drain'));
  }
}
