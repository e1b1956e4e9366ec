import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { SseDecoder } from '../../streaming/sse-decoder';
import type { UpstreamHttpClient, UpstreamResponse } from '../../upstream/upstream-http.client';
import type { CanonicalEmbeddings, EmbeddingsAdapter, EmbeddingsRequest } from '../embeddings-adapter';
import { type CanonicalCompletion, type CanonicalDelta, ProviderAdapter, STREAM_STARTED } from '../provider-adapter';
import { bodyChunks, callUpstream, readJsonBody, trimBaseUrl } from '../upstream-call';
import { withProvider } from '../upstream-error';
import { openAiCompatibleHttpError } from './openai-compatible.errors';
import { fromOpenAiCompatibleEmbeddings, toOpenAiEmbeddingsRequestBody } from './openai-compatible.embeddings';
import type { OpenAiCompatibleProvider } from './openai-compatible.provider';
import { toOpenAiCompatibleRequestBody } from './openai-compatible.request';
import { fromOpenAiCompatibleCompletion } from './openai-compatible.response';
import { fromOpenAiCompatibleChunk } from './openai-compatible.stream';

export interface OpenAiCompatibleAdapterOptions {
  /** Absent for servers that take no key (no Authorization header is sent then). */
  apiKey?: string;
  baseUrl: string;
  timeoutMs: number;
}

/** OpenAI itself and every OpenAI-compatible upstream: the canonical body goes out almost as is, quirks applied. */
export class OpenAiCompatibleAdapter extends ProviderAdapter implements EmbeddingsAdapter {
  readonly id: string;

  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly provider: OpenAiCompatibleProvider,
    private readonly options: OpenAiCompatibleAdapterOptions,
  ) {
    super();
    this.id = provider.id;
  }

  override withApiKey(apiKey: string): OpenAiCompatibleAdapter {
    return new OpenAiCompatibleAdapter(this.http, this.provider, { ...this.options, apiKey });
  }

  async complete(request: ChatRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion> {
    const response = await this.post('/chat/completions', toOpenAiCompatibleRequestBody(request, upstreamModel, false, this.provider.quirks), signal);
    try {
      return fromOpenAiCompatibleCompletion(await readJsonBody(response, signal), this.provider.quirks.reasoningField);
    } catch (error) {
      throw this.named(error, response.statusCode);
    }
  }

  async *stream(request: ChatRequest, upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta> {
    const response = await this.post('/chat/completions', toOpenAiCompatibleRequestBody(request, upstreamModel, true, this.provider.quirks), signal);
    yield STREAM_STARTED;
    yield* this.decode(response, signal);
  }

  async embed(request: EmbeddingsRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalEmbeddings> {
    const response = await this.post('/embeddings', toOpenAiEmbeddingsRequestBody(request, upstreamModel), signal);
    const inputsCount = typeof request.input === 'string' || typeof request.input[0] === 'number' ? 1 : request.input.length;
    try {
      return fromOpenAiCompatibleEmbeddings(await readJsonBody(response, signal), inputsCount);
    } catch (error) {
      throw this.named(error, response.statusCode);
    }
  }

  /** Decodes an OpenAI SSE body (any byte split) into canonical deltas; ends at `[DONE]`, which must follow usage. */
  async *decode(response: UpstreamResponse, signal: AbortSignal): AsyncGenerator<CanonicalDelta> {
    const decoder = new SseDecoder();
    const reasoningField = this.provider.quirks.reasoningField;
    let sawUsage = false;
    const handle = function* (events: ReturnType<SseDecoder['push']>): Generator<CanonicalDelta, boolean> {
      for (const event of events) {
        if (event.data === '[DONE]') return true;
        for (const delta of fromOpenAiCompatibleChunk(event.data, reasoningField)) {
          if (delta.type === 'usage') sawUsage = true;
          yield delta;
        }
      }
      return false;
    };
    try {
      let done = false;
      for await (const chunk of bodyChunks(response.body)) {
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

  /** Every failure names this provider and the upstream status it came with, and never carries our key. */
  private named(error: unknown, statusCode: number | null): unknown {
    if (!(error instanceof AppError)) return error;
    const apiKey = this.options.apiKey;
    const scrubbed = apiKey && error.message.includes(apiKey) ? new AppError(error.code, error.message.split(apiKey).join('[redacted]'), { param: error.param, details: error.details, retryAfterMs: error.retryAfterMs }) : error;
    return withProvider(scrubbed, this.id, statusCode);
  }

  private async post(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return callUpstream(
      this.http,
      { url: `${trimBaseUrl(this.options.baseUrl)}${path}`, headers, body: JSON.stringify(body), signal, timeoutMs: this.options.timeoutMs },
      (statusCode, text, retryAfter) => this.named(openAiCompatibleHttpError(statusCode, text, retryAfter, this.id), statusCode),
      (error) => this.named(error, null),
    );
  }
}
