import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { CommandContract, CommandRequestInput, CommandResponse, ReplyEnvelope } from '@switchyard/contracts';
import { AppError, fromReplyError } from '@switchyard/errors';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout as rxTimeout, TimeoutError } from 'rxjs';
import { PrefixedNatsClient } from './prefixed-nats.client';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from './nats.options';
import { injectTraceHeaders } from './trace-context';

export interface RequestOptions {
  /** Required: every request states how long it may wait. */
  timeoutMs: number;
  requestId?: string;
}

const tracer = trace.getTracer('@switchyard/nats');

/** Typed request/reply over core NATS through @nestjs/microservices: validates, times out, carries trace context. */
@Injectable()
export class NatsBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly client: PrefixedNatsClient;

  constructor(@Inject(NATS_CONNECTION_OPTIONS) private readonly options: NatsConnectionOptions) {
    this.client = new PrefixedNatsClient(
      { servers: [options.url], name: `${options.serviceName}-client`, maxReconnectAttempts: -1, reconnectTimeWait: 250 },
      options.subjectPrefix,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.client.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  async request<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>, options: RequestOptions): Promise<CommandResponse<C>> {
    const checked = contract.request.safeParse(payload);
    if (!checked.success) throw new AppError('internal', `invalid ${contract.subject} request: ${checked.error.message}`);
    return tracer.startActiveSpan(`${contract.subject} request`, { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': contract.subject } }, async (span) => {
      try {
        const headers = natsHeaders();
        injectTraceHeaders((key, value) => headers.set(key, value));
        if (options.requestId) headers.set('x-request-id', options.requestId);
        const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
        const envelope = await firstValueFrom(
          this.client.send<ReplyEnvelope<unknown>>(contract.subject, record).pipe(rxTimeout({ first: options.timeoutMs })),
        );
        if (!envelope.ok) throw fromReplyError(envelope.error);
        return contract.response.parse(envelope.data) as CommandResponse<C>;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (error instanceof TimeoutError) {
          throw new AppError('service_unavailable', `${contract.subject.split('.')[0]} did not answer within ${options.timeoutMs} ms`, { cause: error });
        }
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
