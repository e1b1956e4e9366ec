import type { AppError } from '@switchyard/errors';
import type { EndpointPrice } from '@switchyard/pricing';
import type { FinishReason, TokenUsage } from '@switchyard/contracts';
import type { RequestFees } from '../metering/usage-body';
import type { WebSource } from '../plugins/web-search/web-source';
import type { CanonicalCompletion, CanonicalDelta } from '../providers/provider-adapter';

/** Which API dialect the caller spoke; recorded on `gateway.request.completed`. */
export type SurfaceName = 'openai' | 'anthropic' | 'gemini';

/** What a surface needs to render an answer: who served it and at what price. */
export interface ServedResponse {
  requestId: string;
  /** Unix seconds when the request arrived. */
  created: number;
  modelId: string;
  providerId: string;
  price: EndpointPrice;
  markupBasisPoints: number;
  /** Prompt tokens counted locally, for surfaces that announce usage before the provider reports it. */
  promptTokensEstimate: number;
  /** Fees charged next to the tokens; part of the reported cost. */
  fees: RequestFees;
  /** Web-search results the model was given, to be listed as citations. */
  sources: WebSource[];
}

/** One server-sent event: optional `event:` name and a JSON `data:` payload. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A delta of the answer itself, what a surface renders: the pipeline keeps `started` and `usage` for itself. */
export type AnswerDelta = Exclude<CanonicalDelta, { type: 'usage' | 'started' }>;

/** Renders one streamed answer in a surface's wire format; stateful (one instance per response). */
export interface SurfaceStreamWriter {
  /** Events for one content/reasoning/tool-call/finish delta. */
  delta(delta: AnswerDelta): SseEvent[];
  /** Events closing a successful stream; `finishReason` is undefined when the provider sent none. */
  finish(usage: TokenUsage, finishReason: FinishReason | undefined): SseEvent[];
  /** Events closing a stream that failed after it was opened (the HTTP status already went out). */
  fail(error: AppError, usage: TokenUsage): SseEvent[];
}

/**
 * An inbound API dialect (OpenAI chat, Anthropic messages, Gemini generateContent). The pipeline works on
 * the canonical request and answer; a surface only renders them.
 */
export interface ResponseSurface {
  readonly name: SurfaceName;
  /** Written after the last event of a stream (OpenAI's `data: [DONE]`), if any. */
  readonly streamTerminator: string | null;
  /** Whether `: switchyard processing` comments may be sent while waiting (every SSE parser must ignore them). */
  readonly keepAliveComments: boolean;
  completionBody(served: ServedResponse, completion: CanonicalCompletion): unknown;
  streamWriter(served: ServedResponse): SurfaceStreamWriter;
}
