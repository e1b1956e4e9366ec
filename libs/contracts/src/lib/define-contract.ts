import type { z } from 'zod';

/** A request/reply question over core NATS: the subject names the handler (`<owner>.<aggregate>.<verb>`). */
export interface CommandContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  kind: 'command';
  subject: string;
  request: Req;
  response: Res;
}

/** A JetStream stream that stores events; every event names the stream it is stored in. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  /** Window in which a repeated `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs: number;
  maxAgeMs: number;
}

/** A past-tense fact published to JetStream with `Nats-Msg-Id` = its business key. */
export interface EventContract<P extends z.ZodType = z.ZodType> {
  kind: 'event';
  subject: string;
  stream: StreamDefinition;
  payload: P;
  /** The business key; becomes `Nats-Msg-Id` so a republish inside the window is deduplicated. */
  messageId: (payload: z.output<P>) => string;
}

const SUBJECT_PATTERN = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*){2,3}$/;

function assertSubject(subject: string): void {
  if (!SUBJECT_PATTERN.test(subject)) throw new Error(`bad subject ${subject}: expected <owner>.<aggregate>.<verb>`);
}

export function defineCommand<Req extends z.ZodType, Res extends z.ZodType>(definition: {
  subject: string;
  request: Req;
  response: Res;
}): CommandContract<Req, Res> {
  assertSubject(definition.subject);
  return { kind: 'command', ...definition };
}

export function defineEvent<P extends z.ZodType>(definition: {
  subject: string;
  stream: StreamDefinition;
  payload: P;
  messageId: (payload: z.output<P>) => string;
}): EventContract<P> {
  assertSubject(definition.subject);
  if (!definition.stream.subjects.some((pattern) => subjectMatches(pattern, definition.subject))) {
    throw new Error(`subject ${definition.subject} is not captured by stream ${definition.stream.name}`);
  }
  return { kind: 'event', ...definition };
}

export function defineStream(definition: StreamDefinition): StreamDefinition {
  return definition;
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

export type CommandRequest<C extends CommandContract> = z.output<C['request']>;
export type CommandRequestInput<C extends CommandContract> = z.input<C['request']>;
export type CommandResponse<C extends CommandContract> = z.output<C['response']>;
export type EventPayload<E extends EventContract> = z.output<E['payload']>;

/** What every command handler replies: data, or an error with a code from the error table. */
export type ReplyEnvelope<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> } };
