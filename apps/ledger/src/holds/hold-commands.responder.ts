import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { HOLD_COMMAND_CONTRACTS, HOLD_COMMANDS_MAX_PER_MESSAGE, HOLD_COMMANDS_SUBJECT, isHoldCommandOp, type ReplyEnvelope } from '@switchyard/contracts';
import { AppError, toAppError, toReplyError } from '@switchyard/errors';
import { extractTraceContext, NATS_CONNECTION_OPTIONS, type NatsConnectionOptions, parseCommandRequest, SharedNatsConnection } from '@switchyard/nats';
import { HoldsService } from './holds.service';

const tracer = trace.getTracer('@switchyard/ledger');

/**
 * The batched hold path (see hold-commands.wire in libs/nats), beside the Nest handlers of the single
 * subjects: one message, many commands, one reply. Items are validated by their own contract and go to the
 * same HoldsService (so the same group-commit batcher); one bad item gets its own error.
 */
@Injectable()
export class HoldCommandsResponder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HoldCommandsResponder.name);
  private subscription?: Subscription;
  private readonly handling = new Set<Promise<void>>();

  constructor(
    private readonly holds: HoldsService,
    @Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions,
    private readonly nats: SharedNatsConnection,
  ) {
    nats.retain();
  }

  async onApplicationBootstrap(): Promise<void> {
    const nc = await this.nats.get();
    // queue group = owning service: replicas share the messages
    this.subscription = nc.subscribe(`${this.options.subjectPrefix}${HOLD_COMMANDS_SUBJECT}`, {
      queue: this.options.serviceName,
      callback: (error: Error | null, message: Msg) => {
        if (error) {
          this.logger.error({ err: error }, 'hold commands subscription failed');
          return;
        }
        const handled = this.handle(message).finally(() => this.handling.delete(handled));
        this.handling.add(handled);
      },
    });
    await nc.flush();
  }

  /** Stops taking messages, answers the ones already taken, then lets the connection go. */
  async onModuleDestroy(): Promise<void> {
    await this.subscription?.drain().catch(() => undefined);
    await Promise.all([...this.handling]);
    await this.nats.release();
  }

  private async handle(message: Msg): Promise<void> {
    const parent = extractTraceContext((key) => message.headers?.get(key) || undefined);
    const span = tracer.startSpan(`${HOLD_COMMANDS_SUBJECT} process`, { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': HOLD_COMMANDS_SUBJECT } }, parent);
    try {
      const items = this.parse(message);
      span.setAttribute('messaging.batch.message_count', items.length);
      const replies = await otelContext.with(trace.setSpan(parent, span), () => Promise.all(items.map((item) => this.apply(item))));
      if (replies.some((reply) => !reply.ok)) span.setStatus({ code: SpanStatusCode.ERROR });
      message.respond(JSON.stringify(replies));
    } catch (error) {
      const appError = toAppError(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: appError.code });
      const reply: ReplyEnvelope<never> = { ok: false, error: toReplyError(appError) };
      message.respond(JSON.stringify(reply));
    } finally {
      span.end();
    }
  }

  /** The message as a whole: a JSON array of at most HOLD_COMMANDS_MAX_PER_MESSAGE items. */
  private parse(message: Msg): unknown[] {
    let items: unknown;
    try {
      items = message.json();
    } catch {
      throw new AppError('invalid_request', `${HOLD_COMMANDS_SUBJECT}: the message is not JSON`);
    }
    if (!Array.isArray(items)) throw new AppError('invalid_request', `${HOLD_COMMANDS_SUBJECT}: expected an array of hold commands`);
    if (items.length > HOLD_COMMANDS_MAX_PER_MESSAGE) throw new AppError('invalid_request', `${HOLD_COMMANDS_SUBJECT}: at most ${HOLD_COMMANDS_MAX_PER_MESSAGE} commands per message`);
    return items;
  }

  private async apply(item: unknown): Promise<ReplyEnvelope<unknown>> {
    try {
      return { ok: true, data: await this.dispatch(item) };
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'internal') this.logger.error({ err: error, requestId: (item as { requestId?: unknown } | null)?.requestId }, 'hold command failed');
      return { ok: false, error: toReplyError(appError) };
    }
  }

  private dispatch(item: unknown): Promise<unknown> {
    const op = (item as { op?: unknown } | null)?.op;
    if (!isHoldCommandOp(op)) throw new AppError('invalid_request', `${HOLD_COMMANDS_SUBJECT}: op must be create, capture or release`);
    // validated as the Nest handlers' pipe does, with the same error
    const payload = (item as { payload?: unknown }).payload;
    switch (op) {
      case 'create':
        return this.holds.create(parseCommandRequest(HOLD_COMMAND_CONTRACTS.create, payload));
      case 'capture':
        return this.holds.capture(parseCommandRequest(HOLD_COMMAND_CONTRACTS.capture, payload));
      case 'release':
        return this.holds.release(parseCommandRequest(HOLD_COMMAND_CONTRACTS.release, payload));
    }
  }
}
