import { createServer, type Server } from 'node:http';
import { freePort } from './service-process';

export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> }>;
  }>;
}

/** A local OTLP/HTTP (JSON) trace receiver, so tests can check that one trace spans several services. */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  /** Every export as received (attributes, events and all), for tests that search spans for what must not be there. */
  readonly payloads: string[] = [];

  private constructor(private readonly server: Server, readonly endpoint: string) {}

  static async start(): Promise<OtlpCollector> {
    const port = await freePort();
    let collector: OtlpCollector | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        collector?.payloads.push(text);
        try {
          collector?.ingest(JSON.parse(text) as OtlpJson);
        } catch {
          // protobuf or garbage: ignored, the test will see no spans
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    collector = new OtlpCollector(server, `http://127.0.0.1:${port}`);
    return collector;
  }

  private ingest(body: OtlpJson): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? 'unknown';
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name });
        }
      }
    }
  }

  servicesInTrace(traceId: string): Set<string> {
    return new Set(this.spans.filter((s) => s.traceId === traceId).map((s) => s.service));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
