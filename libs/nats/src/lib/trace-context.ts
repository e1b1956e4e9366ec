import { context, propagation, type Context } from '@opentelemetry/api';

/** W3C trace context in NATS headers: NATS has no automatic propagation, so the bus carries it. */
export function injectTraceHeaders(set: (key: string, value: string) => void, activeContext: Context = context.active()): void {
  const carrier: Record<string, string> = {};
  propagation.inject(activeContext, carrier);
  for (const [key, value] of Object.entries(carrier)) set(key, value);
}

export function extractTraceContext(get: (key: string) => string | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    const value = get(key);
    if (value) carrier[key] = value;
  }
  return propagation.extract(context.active(), carrier);
}
