import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/** Publishes raw events to a prefixed stack's JetStream the way the gateway will (subject, Nats-Msg-Id). */
export class JetStreamPublisher {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly prefix: string,
  ) {}

  static async connect(prefix: string, url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'): Promise<JetStreamPublisher> {
    const nc = await connect({ servers: url });
    return new JetStreamPublisher(nc, jetstream(nc), await jetstreamManager(nc), prefix);
  }

  streamName(name: string): string {
    return `${this.prefix.replace(/\./g, '_').toUpperCase()}${name}`;
  }

  /** Returns the stream sequence the message got (or the original's, for a duplicate id). */
  async publish(subject: string, payload: unknown, messageId: string): Promise<{ seq: number; duplicate: boolean }> {
    const ack = await this.js.publish(`${this.prefix}${subject}`, JSON.stringify(payload), { msgID: messageId, timeout: 5_000 });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Waits until a durable consumer has acked everything up to `seq` (handled, dead-lettered or not). */
  async waitForAckFloor(stream: string, durable: string, seq: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.jsm.consumers.info(this.streamName(stream), durable);
      if (info.ack_floor.stream_seq >= seq) return;
      if (Date.now() > deadline) throw new Error(`consumer ${durable} did not ack up to ${seq}: ack floor ${info.ack_floor.stream_seq}, pending ${info.num_ack_pending}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Messages in a stream on one subject (for the dead-letter stream). */
  async countOnSubject(stream: string, subject: string): Promise<number> {
    const info = await this.jsm.streams.info(this.streamName(stream), { subjects_filter: `${this.prefix}${subject}` });
    return info.state.subjects?.[`${this.prefix}${subject}`] ?? 0;
  }

  /** Removes this prefix's streams so test runs do not pile up file-backed streams on the shared server. */
  async deleteStreams(): Promise<void> {
    const prefix = this.streamName('');
    for await (const stream of this.jsm.streams.list()) {
      if (stream.config.name.startsWith(prefix)) await this.jsm.streams.delete(stream.config.name);
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
