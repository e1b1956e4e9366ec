export interface NatsConnectionOptions {
  /** Queue group and span attribute: the owning service. */
  serviceName: string;
  url: string;
  subjectPrefix: string;
  /** Default for NatsBus.request when a call site gives none (a call site should). */
  requestTimeoutMs: number;
}

export const NATS_CONNECTION_OPTIONS = Symbol('NATS_CONNECTION_OPTIONS');
