import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ApiKeyInvalidatedSchema, GATEWAY_API_KEY_INVALIDATED_SUBJECT } from '@switchyard/contracts';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from '@switchyard/nats';
import { ApiKeyCache } from './api-key.cache';

/**
 * Revocation fan-out: `invalidate` deletes the shared (Redis) entry and tells every replica over core NATS to drop
 * its in-process entry, so a revoked key answers 401 everywhere at once. Without NATS the in-process TTL (1 s)
 * still bounds it. The only NATS I/O of key caching.
 */
@Injectable()
export class ApiKeyInvalidations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyInvalidations.name);
  private connection?: NatsConnection;
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions,
    private readonly cache: ApiKeyCache,
  ) {}

  private get subject(): string {
    return `${this.options.subjectPrefix}${GATEWAY_API_KEY_INVALIDATED_SUBJECT}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      const connection = await connect({ servers: [this.options.url], name: `${this.options.serviceName}-key-invalidations`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      this.connection = connection;
      this.subscription = connection.subscribe(this.subject, {
        callback: (error: Error | null, message: Msg) => {
          if (error) return;
          const parsed = ApiKeyInvalidatedSchema.safeParse(safeJson(message.data));
          if (parsed.success) this.cache.invalidateLocal(parsed.data.keyHash);
        },
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'key invalidations unavailable; revocations reach other replicas within the cache TTL');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.connection?.drain().catch(() => undefined);
  }

  async invalidate(keyHash: string): Promise<void> {
    await this.cache.invalidate(keyHash);
    try {
      this.connection?.publish(this.subject, JSON.stringify({ keyHash }));
    } catch (error) {
      this.logger.warn({ err: error }, 'key invalidation not published');
    }
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
