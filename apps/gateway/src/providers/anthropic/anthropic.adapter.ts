import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type SseEvent, SseDecoder } from '../../streaming/sse-decoder';
import type { UpstreamHttpClient, UpstreamResponse } from '../../upstream/upstream-http.client';
import { type CanonicalCompletion, type CanonicalDelta, ProviderAdapter, STREAM_STARTED } from '../provider-adapter';
import { bodyChunks, callUpstream, readJsonBody, trimBaseUrl } from '../upstream-call';
import { anthropicHttpError } from './anthropic.errors';
import { ANTHROPIC_VERSION, type AnthropicRequestBody, toAnthropicRequestBody } from './anthropic.request';
import { fromAnthropicMessage } from './anthropic.response';
import { AnthropicStreamState } from './anthropic.stream';

export interface AnthropicAdapterOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}

/** Anthropic's Messages API (`POST /v1/messages`), reached from the canonical OpenAI-shaped request. */
export class AnthropicAdapter extends ProviderAdapter {
  readonly id = 'anthropic';

  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly options: AnthropicAdapterOptions,
  ) {
    super();
  }

  override withApiKey(apiKey: string): AnthropicAdapter {
    return new AnthropicAdapter(this.http, { ...this.options, apiKey });
  }

  async complete(request: ChatRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion> {
    const response = await this.post(toAnthropicRequestBody(request, upstreamModel, false), signal);
    return fromAnthropicMessage(await readJsonBody(response, signal));
  }

  async *stream(request: ChatRequest, upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta> {
    const response = await this.post(toAnthropicRequestBody(request, upstreamModel, true), signal);
    yield STREAM_STARTED;
    const decoder = new SseDecoder();
    const state = new AnthropicStreamState();
    const handle = function* (events: SseEvent[]): Generator<CanonicalDelta, boolean> {
      for (const event of events) {
        yield* state.push(event.data);
        if (state.done) return true;
      }
      return false;
    };
    try {
      for await (const chunk of bodyChunks(response.body)) {
        if (yield* handle(decoder.push(chunk))) break;
      }
      if (!state.done) yield* handle(decoder.end());
    } catch (error) {
      if (error instanceof AppError || signal.aborted) throw error;
      throw new AppError('upstream_error', 'The provider stream broke off.', { cause: error });
    }
    // Lost message_stop after message_delta is harmless: the answer and its usage are complete.
    if (!state.complete) throw new AppError('upstream_error', 'The provider stream ended before the message was complete.');
  }

  private async post(body: AnthropicRequestBody, signal: AbortSignal): Promise<UpstreamResponse> {
    return callUpstream(this.http, {
      url: `${trimBaseUrl(this.options.baseUrl)}/v1/messages`,
      headers: {
        'content-type': 'application/json',
        'x-api-key': this.options.apiKey,
        'anthropic-version': ANTHROPIC_VERSION,
        accept: body.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
      signal,
      timeoutMs: this.options.timeoutMs,
    }, anthropicHttpError);
  }
}
