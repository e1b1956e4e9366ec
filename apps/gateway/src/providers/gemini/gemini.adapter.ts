import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type SseEvent, SseDecoder } from '../../streaming/sse-decoder';
import type { UpstreamHttpClient, UpstreamResponse } from '../../upstream/upstream-http.client';
import { type CanonicalCompletion, type CanonicalDelta, ProviderAdapter, STREAM_STARTED } from '../provider-adapter';
import { callUpstream, readJsonBody, trimBaseUrl } from '../upstream-call';
import { geminiHttpError } from './gemini.errors';
import { type GeminiRequestBody, toGeminiRequestBody } from './gemini.request';
import { fromGeminiResponse, randomToolCallId, type ToolCallIdFactory } from './gemini.response';
import { GeminiStreamState } from './gemini.stream';

export interface GeminiAdapterOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  /** Ids for the tool calls Gemini does not id (injectable for deterministic tests). */
  newToolCallId?: ToolCallIdFactory;
}

/** Google's Gemini API (`models/{model}:generateContent` / `:streamGenerateContent?alt=sse`), from the canonical request. */
export class GeminiAdapter extends ProviderAdapter {
  readonly id = 'google';

  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly options: GeminiAdapterOptions,
  ) {
    super();
  }

  override withApiKey(apiKey: string): GeminiAdapter {
    return new GeminiAdapter(this.http, { ...this.options, apiKey });
  }

  async complete(request: ChatRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion> {
    const response = await this.post(upstreamModel, 'generateContent', toGeminiRequestBody(request), signal);
    return fromGeminiResponse(await readJsonBody(response, signal), this.options.newToolCallId ?? randomToolCallId);
  }

  async *stream(request: ChatRequest, upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta> {
    const response = await this.post(upstreamModel, 'streamGenerateContent', toGeminiRequestBody(request), signal);
    yield STREAM_STARTED;
    yield* this.decode(response, signal);
  }

  /** Decodes a Gemini SSE body (any byte split) into canonical deltas, ending with the finish and one usage delta. */
  async *decode(response: UpstreamResponse, signal: AbortSignal): AsyncGenerator<CanonicalDelta> {
    const decoder = new SseDecoder();
    const state = new GeminiStreamState(this.options.newToolCallId ?? randomToolCallId);
    const handle = function* (events: SseEvent[]): Generator<CanonicalDelta> {
      for (const event of events) yield* state.push(event.data);
    };
    try {
      for await (const chunk of response.body) yield* handle(decoder.push(chunk));
      yield* handle(decoder.end());
    } catch (error) {
      if (error instanceof AppError || signal.aborted) throw error;
      throw new AppError('upstream_error', 'The provider stream broke off.', { cause: error, details: { provider: this.id } });
    }
    yield* state.end();
  }

  private async post(upstreamModel: string, method: 'generateContent' | 'streamGenerateContent', body: GeminiRequestBody, signal: AbortSignal): Promise<UpstreamResponse> {
    const stream = method === 'streamGenerateContent';
    const base = trimBaseUrl(this.options.baseUrl);
    return callUpstream(this.http, {
      url: `${base}/v1beta/models/${encodeURIComponent(upstreamModel)}:${method}${stream ? '?alt=sse' : ''}`,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': this.options.apiKey, accept: stream ? 'text/event-stream' : 'application/json' },
      body: JSON.stringify(body),
      signal,
      timeoutMs: this.options.timeoutMs,
    }, geminiHttpError);
  }
}
