import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/** The instrumentation's own list (signed-URL parameters) plus the API-key parameter our surfaces accept. */
const QUERY_PARAMS_TO_REDACT = ['key', 'Key', 'KEY', 'api_key', 'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'];

/**
 * Starts tracing before anything else is loaded (http must be patched before Fastify requires it).
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, so the hot path pays nothing when nobody collects.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || sdk) return;
  // Required here, not imported at the top: the SDK with its exporters is ~2,000 modules and ~20 MB of heap, which a
  // service without a collector would carry for nothing (measured on the gateway, bench/README.md "Memory and soak").
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME } = require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `switchyard-${serviceName}` }),
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? ''),
        // `?key=` carries Gemini-style API keys: never a span attribute.
        redactedQueryParams: QUERY_PARAMS_TO_REDACT,
        redactedQueryParamsServer: QUERY_PARAMS_TO_REDACT,
      }),
    ],
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
