export interface NatsConnectionOptions {
  /** Queue group and span attribute: the owning service. */
  serviceName: string;
  url: string;
  subjectPrefix: string;
  /** Default for NatsBus.request when a call site gives none (a call site should). */
  requestTimeoutMs: number;
}

export const NATS_CONNECTION_OPTIONS = Symbol('NATS_CONNECTION_OPTIONS');

/** The connection options every service derives from its validated env. */
export function natsConnectionOptions(
  serviceName: string,
  env: { NATS_URL: string; NATS_SUBJECT_PREFIX: string; NATS_REQUEST_TIMEOUT_MS: number },
): NatsConnectionOptions {
  return { serviceName, url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS };
}
