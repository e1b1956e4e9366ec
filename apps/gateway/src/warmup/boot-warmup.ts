import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { WARMUP_SAMPLES, type WarmupSample } from './warmup-samples';

const UPSTREAM_WARMUP_TIMEOUT_MS = 5_000;

/** Parses every sample with its schema; returns the names of those it refused. */
export function warmSchemas(samples: WarmupSample[]): string[] {
  return samples.filter(({ schema, sample }) => !schema.safeParse(sample).success).map(({ name }) => name);
}

/**
 * One POST through the gateway's own upstream client to a throwaway server on loopback: undici compiles its HTTP
 * parser (WebAssembly) on its first connection, and that connection would otherwise be a client's first request.
 */
export async function warmUpstreamClient(http: UpstreamHttpClient): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"warm":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await http.post({
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: '{"warm":true}',
      signal: AbortSignal.timeout(UPSTREAM_WARMUP_TIMEOUT_MS),
      timeoutMs: UPSTREAM_WARMUP_TIMEOUT_MS,
    });
    await response.body.text();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Before the gateway listens: pays the one-time costs a fresh process would otherwise put on its first requests —
 * zod compiling the request, event and hold-command parsers, undici compiling its HTTP parser (bench/README.md,
 * "Cold start"). Nothing is sent anywhere but loopback; a failure here is logged and never stops the gateway.
 */
@Injectable()
export class BootWarmup implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootWarmup.name);

  constructor(private readonly http: UpstreamHttpClient) {}

  async onApplicationBootstrap(): Promise<void> {
    const startedMs = performance.now();
    const refused = warmSchemas(WARMUP_SAMPLES);
    if (refused.length > 0) this.logger.warn({ refused }, 'warm-up samples refused by their schemas (update warmup-samples.ts)');
    await warmUpstreamClient(this.http).catch((error: unknown) => this.logger.warn({ err: error }, 'upstream client warm-up failed'));
    this.logger.log({ ms: Math.round(performance.now() - startedMs) }, 'warmed up');
  }
}
