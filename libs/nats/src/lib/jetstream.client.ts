import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient as NatsJetStream, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/nats-core';
import type { EventContract, EventPayload, StreamDefinition } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from './nats.options';
import { SharedNatsConnection } from './shared-nats-connection';
import { extractTraceContext, injectTraceHeaders } from './trace-context';

export interface ConsumeOptions {
  /** Durable consumer name; replicas with the same name share the work. */
  durableName: string;
  /** Deliveries before a message is moved to the dead-letter stream. */
  maxDeliveries: number;
  ackWaitMs: number;
  /** Backoff for a failed delivery: delay = min(base × 2^(n-1), max). */
  retryDelayMsBase: number;
  retryDelayMsMax: number;
  /** Messages pulled from the server at once (buffered here); max_ack_pending is 4× this. */
  maxInFlight: number;
  /**
   * Messages handled at once, at most maxInFlight (default 1: one after the other). Above 1 a consumer can
   * group concurrent events (e.g. into one transaction); each message is still acked or nak'ed on its own outcome.
   */
  concurrency?: number;
  /**
   * Holds what arrives for up to this long, then handles it together (default 0: each message as it comes). At a low
   * rate every message otherwise wakes the process to parse, validate and handle it alone, on cold caches; gathered,
   * only the wake-up is per message. For consumers that batch their work anyway (billing's settlement linger).
   */
  gatherMs?: number;
}

export interface DeliveryInfo {
  deliveryCount: number;
  streamSequence: number;
  messageId: string | undefined;
  /** When this process received the message (ms since the epoch): gathered messages are handled later. */
  receivedAt: number;
}

const DEAD_LETTER_STREAM: StreamDefinition = {
  name: 'DEAD_LETTERS',
  subjects: ['deadletter.>'],
  duplicateWindowMs: 60_000,
  maxAgeMs: 30 * 24 * 3_600_000,
};

const tracer = trace.getTracer('@switchyard/nats');

/**
 * A handler's error that no redelivery can fix (a coded, non-retryable AppError): the event is dead-lettered at once.
 * Anything else (an internal error, an unavailable dependency, an unknown throw) is retried with backoff.
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof AppError && !error.retryable && error.code !== 'internal' && error.code !== 'service_unavailable';
}

export interface ConsumerLag {
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
}

/**
 * Money events through JetStream: file-backed streams, `Nats-Msg-Id` dedup, durable pull consumers,
 * ack only after the handler (and its database commit) succeeded, delayed nak on failure, dead-letter after N.
 */
@Injectable()
export class JetStreamClient implements OnApplicationShutdown {
  private readonly logger = new Logger(JetStreamClient.name);
  private connection?: Promise<{ nc: NatsConnection; js: NatsJetStream; jsm: JetStreamManager }>;
  private readonly ensuredStreams = new Map<string, Promise<void>>();
  private readonly stops: Array<() => Promise<void>> = [];
  private readonly consumed: Array<{ stream: string; durableName: string }> = [];

  private readonly nats: SharedNatsConnection;

  constructor(@Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions, @Optional() nats?: SharedNatsConnection) {
    this.nats = nats ?? new SharedNatsConnection(options);
    this.nats.retain();
  }

  private streamName(definition: StreamDefinition): string {
    return `${this.options.subjectPrefix.replace(/\./g, '_').toUpperCase()}${definition.name}`;
  }

  private subject(subject: string): string {
    return `${this.options.subjectPrefix}${subject}`;
  }

  private connect() {
    this.connection ??= (async () => {
      const nc = await this.nats.get();
      return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
    })();
    // a failed connect is retried by the next call
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  async isConnected(): Promise<boolean> {
    const { nc } = await this.connect();
    return !nc.isClosed();
  }

  /** Creates or updates a stream (idempotent); file storage, dedup window from the contract. */
  ensureStream(definition: StreamDefinition): Promise<void> {
    let ensured = this.ensuredStreams.get(definition.name);
    if (!ensured) {
      ensured = (async () => {
        const { jsm } = await this.connect();
        const config = {
          name: this.streamName(definition),
          subjects: definition.subjects.map((s) => this.subject(s)),
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          duplicate_window: nanos(definition.duplicateWindowMs),
          max_age: nanos(definition.maxAgeMs),
        };
        try {
          await jsm.streams.info(config.name);
          await jsm.streams.update(config.name, config);
        } catch (error) {
          if (!/not found/i.test(String((error as Error).message))) throw error;
          await jsm.streams.add(config);
        }
      })();
      ensured.catch(() => this.ensuredStreams.delete(definition.name));
      this.ensuredStreams.set(definition.name, ensured);
    }
    return ensured;
  }

  /**
   * Publishes an event and waits for the stream's ack; a repeat within the window is a no-op (duplicate).
   * `validate: false` skips the sender-side check for a payload typed and built in this process: its consumer
   * validates it anyway (an invalid one is dead-lettered there), and on a request's path the check cost ~50 µs.
   */
  async publish<E extends EventContract>(event: E, payload: EventPayload<E>, options: { timeoutMs: number; validate?: boolean }): Promise<{ duplicate: boolean }> {
    let checked: EventPayload<E> = payload;
    if (options.validate !== false) {
      const parsed = event.payload.safeParse(payload);
      if (!parsed.success) throw new AppError('internal', `invalid ${event.subject} payload: ${parsed.error.message}`);
      checked = parsed.data as EventPayload<E>;
    }
    await this.ensureStream(event.stream);
    const { js } = await this.connect();
    const headers = natsHeaders();
    injectTraceHeaders((key, value) => headers.set(key, value));
    const ack = await js.publish(this.subject(event.subject), JSON.stringify(payload), {
      msgID: event.messageId(checked),
      headers,
      timeout: options.timeoutMs,
    });
    return { duplicate: ack.duplicate };
  }

  /** Consumes an event with a durable pull consumer until shutdown. The handler must be idempotent. */
  async consume<E extends EventContract>(
    event: E,
    handler: (payload: EventPayload<E>, delivery: DeliveryInfo) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.ensureStream(event.stream);
    await this.ensureStream(DEAD_LETTER_STREAM);
    const { js, jsm } = await this.connect();
    const stream = this.streamName(event.stream);
    const consumerConfig = {
      durable_name: options.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.subject(event.subject),
      ack_wait: nanos(options.ackWaitMs),
      max_deliver: options.maxDeliveries + 1,
      max_ack_pending: options.maxInFlight * 4,
    };
    try {
      await jsm.consumers.info(stream, options.durableName);
      await jsm.consumers.update(stream, options.durableName, consumerConfig);
    } catch (error) {
      if (!/not found/i.test(String((error as Error).message))) throw error;
      await jsm.consumers.add(stream, consumerConfig);
    }
    const consumer = await js.consumers.get(stream, options.durableName);
    this.consumed.push({ stream, durableName: options.durableName });
    const messages = await consumer.consume({ max_messages: options.maxInFlight });
    let stopped = false;
    const concurrency = Math.min(Math.max(1, options.concurrency ?? 1), options.maxInFlight);
    const gatherMs = options.gatherMs ?? 0;
    const loop = (async () => {
      const handling = new Set<Promise<void>>();
      const handle = (message: JsMsg, receivedAt: number) => {
        const delivery = this.deliver(event, message, handler, options, receivedAt);
        handling.add(delivery);
        delivery.then(
          () => handling.delete(delivery),
          () => handling.delete(delivery),
        );
      };
      let gathered: Array<{ message: JsMsg; receivedAt: number }> = [];
      let gathering: NodeJS.Timeout | undefined;
      const release = () => {
        clearTimeout(gathering);
        gathering = undefined;
        const batch = gathered;
        gathered = [];
        for (const { message, receivedAt } of batch) handle(message, receivedAt);
      };
      for await (const message of messages) {
        gathered.push({ message, receivedAt: Date.now() });
        if (gatherMs === 0) release();
        else gathering ??= setTimeout(release, gatherMs);
        // Never more than `concurrency` gathered and in hand together (with concurrency 1 and no gathering, each
        // delivery in turn); a full gathering goes at once; a failing delivery still ends the loop.
        while (handling.size + gathered.length >= concurrency) {
          if (handling.size === 0) release();
          else await Promise.race(handling);
        }
        if (stopped) break;
      }
      release();
      await Promise.all(handling);
    })();
    this.stops.push(async () => {
      stopped = true;
      await messages.close();
      await loop.catch(() => undefined);
    });
  }

  /**
   * Backlog of each durable consumer this process consumes from, as the server reports it: `pending` messages not
   * yet delivered to any replica, `ackPending` delivered but not acknowledged yet.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.consumed.length === 0) return [];
    const { jsm } = await this.connect();
    return Promise.all(
      this.consumed.map(async ({ stream, durableName }) => {
        const info = await jsm.consumers.info(stream, durableName);
        return { stream, consumer: durableName, pending: info.num_pending, ackPending: info.num_ack_pending };
      }),
    );
  }

  private async deliver<E extends EventContract>(
    event: E,
    message: JsMsg,
    handler: (payload: EventPayload<E>, delivery: DeliveryInfo) => Promise<void>,
    options: ConsumeOptions,
    receivedAt: number,
  ): Promise<void> {
    const deliveryCount = message.info.deliveryCount;
    const parent = extractTraceContext((key) => message.headers?.get(key) || undefined);
    const span = tracer.startSpan(`${event.subject} consume`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': event.subject } }, parent);
    try {
      const parsed = event.payload.safeParse(message.json());
      if (!parsed.success) {
        await this.deadLetter(event, message, `invalid payload: ${parsed.error.message}`);
        return;
      }
      await otelContext.with(trace.setSpan(parent, span), () =>
        handler(parsed.data as EventPayload<E>, { deliveryCount, streamSequence: message.seq, messageId: message.headers?.get('Nats-Msg-Id') || undefined, receivedAt }),
      );
      message.ack();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      if (isPermanentFailure(error) || deliveryCount >= options.maxDeliveries) {
        this.logger.error({ err: error, subject: event.subject, deliveryCount }, 'event dead-lettered');
        await this.deadLetter(event, message, String((error as Error).message));
        return;
      }
      const delayMs = Math.min(options.retryDelayMsBase * 2 ** (deliveryCount - 1), options.retryDelayMsMax);
      this.logger.warn({ err: error, subject: event.subject, deliveryCount, delayMs }, 'event handling failed; will retry');
      message.nak(delayMs);
    } finally {
      span.end();
    }
  }

  private async deadLetter(event: EventContract, message: JsMsg, reason: string): Promise<void> {
    const { js } = await this.connect();
    const headers = natsHeaders();
    headers.set('x-dead-letter-reason', reason.slice(0, 500));
    headers.set('x-original-subject', message.subject);
    await js.publish(this.subject(`deadletter.${event.subject}`), message.data, { headers, msgID: `${message.info.stream}:${message.seq}` });
    message.ack();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
    await this.nats.release();
  }
}
