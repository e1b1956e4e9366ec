import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from './nats.options';
import { installRequestFastPath } from './request-fast-path';

installRequestFastPath();

/**
 * The service's one core NATS connection (nats.js v3) for JetStream and the batched hold commands: one socket, so
 * the writes of a request's hold, publish and acks leave together. Opened on first use; a failed first connect is
 * retried by the next use, not cached. Each user `retain()`s it and `release()`s it at its own shutdown; the last
 * release drains it, so no user loses the connection while it still flushes.
 */
@Injectable()
export class SharedNatsConnection {
  private readonly logger = new Logger(SharedNatsConnection.name);
  private connection?: Promise<NatsConnection>;
  private users = 0;

  constructor(@Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions) {}

  retain(): void {
    this.users++;
  }

  get(): Promise<NatsConnection> {
    if (!this.connection) {
      const connecting = connect({
        servers: [this.options.url],
        name: this.options.serviceName,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // Without it every request (each JetStream publish, each hold message) builds two Errors with stack traces
        // up front, only to name where a timeout came from: the largest nats.js cost in the gateway's CPU profile.
        noAsyncTraces: true,
      });
      connecting.catch((error: unknown) => {
        this.logger.warn({ err: error }, 'NATS connection failed');
        if (this.connection === connecting) this.connection = undefined;
      });
      this.connection = connecting;
    }
    return this.connection;
  }

  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || !this.connection) return;
    const connection = this.connection;
    this.connection = undefined;
    await (await connection.catch(() => undefined))?.drain().catch(() => undefined);
  }
}
