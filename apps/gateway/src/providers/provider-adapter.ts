import type { ChatRequest, FinishReason, SignedReasoning, ToolCall, TokenUsage } from '@switchyard/contracts';

/** A complete answer in the canonical (OpenAI-shaped) form, with the usage the provider reported or we counted. */
export interface CanonicalCompletion {
  content: string | null;
  toolCalls?: ToolCall[];
  reasoning?: string | null;
  /** Reasoning the provider signed, in order; the surface that speaks its dialect hands it to the caller to send back. */
  signedReasoning?: SignedReasoning[];
  finishReason: FinishReason;
  /** The stop sequence that ended the answer, when the provider says which (only with finishReason `stop`). */
  stopSequence?: string;
  usage: TokenUsage;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** One piece of a streamed answer; a stream ends with exactly one `usage` delta. */
export type CanonicalDelta =
  /**
   * First, from adapters that call a provider: it accepted the request and its stream began. The gateway opens the
   * client's stream then (headers and a comment), so a slow first token is never a silent wait; nothing of the answer
   * has gone out, so a failure before the next delta still falls back to the next candidate.
   */
  | { type: 'started' }
  | { type: 'content'; text: string }
  | { type: 'reasoning'; text: string }
  /** Seals what came before it: an Anthropic thinking block ends with its signature, a Gemini part carries one. */
  | { type: 'signed_reasoning'; signed: SignedReasoning }
  | { type: 'tool_calls'; toolCalls: ToolCallDelta[] }
  | { type: 'finish'; finishReason: FinishReason; stopSequence?: string }
  | { type: 'usage'; usage: TokenUsage };

export const STREAM_STARTED: CanonicalDelta = Object.freeze({ type: 'started' });

/**
 * A provider adapter translates the canonical request to its provider's wire format and back.
 * `request.max_tokens` / `max_completion_tokens` are already lowered to what the hold covers.
 * Failures are AppErrors (`upstream_rate_limited`, `upstream_error`, `upstream_timeout`, `invalid_request`).
 */
export abstract class ProviderAdapter {
  abstract readonly id: string;

  abstract complete(request: ChatRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion>;

  abstract stream(request: ChatRequest, upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta>;

  /** The same adapter calling with another key (a workspace's own provider key); undefined when the provider takes none. */
  withApiKey(_apiKey: string): ProviderAdapter | undefined {
    return undefined;
  }
}

/** The output limit an adapter must pass upstream (set by the gateway from the hold). */
export function outputLimit(request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}
