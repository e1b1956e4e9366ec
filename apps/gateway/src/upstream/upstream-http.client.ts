import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { Agent, errors as undiciErrors, request } from 'undici';

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; json(): Promise<unknown>; dump(): Promise<void> };
}

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Until the response headers arrive (before the first byte) and between body chunks. */
  timeoutMs: number;
}

/**
 * Connections per upstream origin. A streamed answer holds its HTTP/1.1 connection for its whole length, so this is
 * also the most streams one provider can serve at once from this process; the request after that waits in undici's
 * queue with no timeout and no byte to the client. At 256, the 1,000-stream load test (`make load`) saw exactly 256
 * upstream streams open and the rest stalled for a minute or more (p50 first event 62 s, 23 % timed out).
 */
const CONNECTIONS_PER_ORIGIN_MAX = 4_096;

/** The gateway's only outbound HTTP: one keep-alive undici pool per origin; connect failures become AppErrors. */
@Injectable()
export class UpstreamHttpClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: CONNECTIONS_PER_ORIGIN_MAX, connect: { timeout: 10_000 } });

  async post(input: UpstreamRequest): Promise<UpstreamResponse> {
    return this.send({ ...input, method: 'POST' });
  }

  /** Any method, body optional (native pass-through); same pool and error mapping as `post`. */
  async send(input: Omit<UpstreamRequest, 'body'> & { method: 'GET' | 'HEAD' | 'DELETE' | 'POST' | 'PUT' | 'PATCH'; body?: string }): Promise<UpstreamResponse> {
    try {
      const response = await request(input.url, {
        method: input.method,
        headers: input.headers,
        body: input.body,
        signal: input.signal,
        dispatcher: this.agent,
        headersTimeout: input.timeoutMs,
        bodyTimeout: input.timeoutMs,
      });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (input.signal.aborted) throw error;
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
        throw new AppError('upstream_timeout', 'The provider did not answer in time.', { cause: error });
      }
      throw new AppError('upstream_error', 'Could not reach the provider.', { cause: error });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
