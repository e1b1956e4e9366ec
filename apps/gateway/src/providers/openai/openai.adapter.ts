import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { SseDecoder } from '../../streaming/sse-decoder';
import type { UpstreamHttpClient, UpstreamResponse } from '../../upstream/upstream-http.client';
import { type CanonicalCompletion, type CanonicalDelta, ProviderAdapter } from '../provider-adapter';
import { callUpstream, readJsonBody, trimBaseUrl } from '../upstream-call';
import { withProvider } from '../upstream-error';
import { openAiHttpError } from './openai.errors';
import { toOpenAiRequestBody } from './openai.request';
import { fromOpenAiCompletion } from './openai.response';
import { fromOpenAiChunk } from './openai.stream';

export interface OpenAiAdapterOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}

/** OpenAI and OpenAI-compatible upstreams: the canonical body goes out almost as is. */
export class OpenAiAdapter extends ProviderAdapter {
  readonly id = 'openai';

  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly options: OpenAiAdapterOptions,
  ) {
    super();
  }

  async complete(request: ChatRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion> {
    const response = await this.post(toOpenAiRequestBody(request, upstreamModel, false), signal);
    try {
      return fromOpenAiCompletion(await readJsonBody(response, signal));
    } catch (error) {
      throw this.named(error, response.statusCode);
    }
  }

  async *stream(request: ChatRequest, upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta> {
    const response = await this.post(toOpenAiRequestBody(request, upstreamModel, true), signal);
    yield* this.decode(response, signal);
  }

  /** Decodes an OpenAI SSE body (any byte split) into canonical deltas; ends at `[DONE]`, which must follow usage. */
  async *decode(response: UpstreamResponse, signal: AbortSignal): AsyncGenerator<CanonicalDelta> {
    const decoder = new SseDecoder();
    let sawUsage = false;
    const handle = function* (events: ReturnType<SseDecoder['push']>): Generator<CanonicalDelta, boolean> {
      for (const event of events) {
        if (event.data === '[DONE]') return true;
        for (const delta of fromOpenAiChunk(event.data)) {
          if (delta.type === 'usage') sawUsage = true;
          yield delta;
        }
      }
      return false;
    };
    try {
      let done = false;
      for await (const chunk of response.body) {
        if (yield* handle(decoder.push(chunk))) {
          done = true;
          break;
        }
      }
      if (!done) yield* handle(decoder.end());
      if (!sawUsage) throw new AppError('upstream_error', 'The provider stream ended without usage.');
    } catch (error) {
      if (signal.aborted && !(error instanceof AppError)) throw error;
      throw this.named(error instanceof AppError ? error : new AppError('upstream_error', 'The provider stream broke off.', { cause: error }), response.statusCode);
    }
  }

  /** Every failure names this provider and the upstream status it came with. */
  private named(error: unknown, statusCode: number | null): unknown {
    if (!(error instanceof AppError)) return error;
    return withProvider(error, this.id, statusCode);
  }

  private async post(body: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamResponse> {
    return callUpstream(
      this.http,
      {
        url: `${trimBaseUrl(this.options.baseUrl)}/chat/completions`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}`, accept: body.stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
        signal,
        timeoutMs: this.options.timeoutMs,
      },
      (statusCode, text, retryAfter) => openAiHttpError(statusCode, text, retryAfter, this.id),
      (error) => this.named(error, null),
    );
  }
}
