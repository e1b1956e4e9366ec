import { applyDecorators, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor, type PipeTransform, UseInterceptors, UsePipes } from '@nestjs/common';
import { MessagePattern, type NatsContext } from '@nestjs/microservices';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { CommandContract, ReplyEnvelope } from '@switchyard/contracts';
import { AppError, toAppError, toReplyError } from '@switchyard/errors';
import { Logger } from '@nestjs/common';
import { catchError, map, Observable, of } from 'rxjs';
import { parseCommandRequest } from './command-request';
import { extractTraceContext } from './trace-context';

const tracer = trace.getTracer('@switchyard/nats');
const logger = new Logger('NatsCommand');

class ContractPipe implements PipeTransform {
  constructor(private readonly contract: CommandContract) {}

  transform(value: unknown, metadata: { type: unknown }): unknown {
    // Nest hands pipes the payload as type 3, mapped to 'body' by its PipesConsumer; only the payload is validated.
    if (metadata.type !== RpcParamtype.PAYLOAD && metadata.type !== 'body' && metadata.type !== 'payload') return value;
    return parseCommandRequest(this.contract, value);
  }
}

/** Runs the handler inside the caller's trace, and turns results and errors into a reply envelope. */
@Injectable()
class CommandReplyInterceptor implements NestInterceptor {
  constructor(private readonly contract: CommandContract) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<ReplyEnvelope<unknown>> {
    const natsContext = executionContext.switchToRpc().getContext<NatsContext>();
    const headers = natsContext.getHeaders?.();
    const parent = extractTraceContext((key) => headers?.get(key) || undefined);
    return new Observable<ReplyEnvelope<unknown>>((subscriber) => {
      const span = tracer.startSpan(`${this.contract.subject} process`, { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': this.contract.subject } }, parent);
      const spanContext = trace.setSpan(parent, span);
      return otelContext.with(spanContext, () =>
        next
          .handle()
          .pipe(
            map((data): ReplyEnvelope<unknown> => ({ ok: true, data })),
            catchError((error: unknown) => {
              const appError = toAppError(error);
              span.setStatus({ code: SpanStatusCode.ERROR, message: appError.code });
              if (appError.code === 'internal') logger.error({ err: error, subject: this.contract.subject }, 'command failed');
              return of<ReplyEnvelope<unknown>>({ ok: false, error: toReplyError(appError) });
            }),
          )
          .subscribe({
            next: (value) => subscriber.next(value),
            error: (error) => subscriber.error(error),
            complete: () => {
              span.end();
              subscriber.complete();
            },
          }),
      );
    });
  }
}

/** Marks a method as the handler of a command contract: subject, payload validation, reply envelope, tracing. */
export function HandleCommand(contract: CommandContract): MethodDecorator {
  return applyDecorators(
    MessagePattern(contract.subject),
    UsePipes(new ContractPipe(contract)),
    UseInterceptors(new CommandReplyInterceptor(contract)),
  );
}
