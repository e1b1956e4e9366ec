import type { FinishReason, SignedReasoning, TokenUsage, ToolCall } from '@switchyard/contracts';
import type { AppError } from '@switchyard/errors';
import { microsToUsd } from '@switchyard/money';
import type { AnswerDelta, ResponseSurface, ServedResponse, SseEvent, SurfaceStreamWriter } from '../../completion/response-surface';
import { requestCostMicros } from '../../metering/usage-body';
import { toolArgumentsOrEmpty } from '../../providers/canonical-message';
import type { CanonicalCompletion } from '../../providers/provider-adapter';
import { toGeminiErrorBody } from './gemini-error.envelope';

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'OTHER';

export type GeminiResponsePart =
  | { text: string; thought?: true; thoughtSignature?: string }
  | { functionCall: { id: string; name: string; args: Record<string, unknown> }; thoughtSignature?: string };

type ThoughtSignature = Extract<SignedReasoning, { type: 'thought_signature' }>;

/** Gemini's own signatures; other providers' are not Gemini's to render. */
function thoughtSignatures(signed: SignedReasoning[] | undefined): ThoughtSignature[] {
  return (signed ?? []).filter((s): s is ThoughtSignature => s.type === 'thought_signature');
}

/** Gemini's usageMetadata plus our cost: `cost` in USD as a decimal string, `costMicros` exact (extra fields the SDK keeps). */
export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  cost: string;
  costMicros: string;
}

/** Web-search results the answer drew on, in Gemini's grounding form. */
export interface GeminiGroundingMetadata {
  groundingChunks: Array<{ web: { uri: string; title: string } }>;
}

/** One GenerateContentResponse: a whole answer, or one event of a stream. */
export interface GeminiGenerateContentResponse {
  candidates: Array<{ content: { role: 'model'; parts: GeminiResponsePart[] }; finishReason?: GeminiFinishReason; groundingMetadata?: GeminiGroundingMetadata; index: 0 }>;
  usageMetadata?: GeminiUsageMetadata;
  modelVersion: string;
  responseId: string;
}

const FINISH_REASONS: Record<FinishReason, GeminiFinishReason> = {
  stop: 'STOP',
  // Gemini ends a turn that called functions with STOP; the functionCall parts say what happened.
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
  error: 'OTHER',
};

/**
 * Canonical usage → usageMetadata. Canonical prompt tokens include cached ones and completion tokens include
 * reasoning, as Gemini's promptTokenCount does and its candidatesTokenCount does not.
 */
export function toGeminiUsageMetadata(usage: TokenUsage, served: ServedResponse): GeminiUsageMetadata {
  const costMicros = requestCostMicros(usage, served.price, served.markupBasisPoints, served.fees);
  return {
    promptTokenCount: usage.promptTokens,
    candidatesTokenCount: Math.max(0, usage.completionTokens - usage.reasoningTokens),
    totalTokenCount: usage.promptTokens + usage.completionTokens,
    ...(usage.cachedPromptTokens > 0 ? { cachedContentTokenCount: usage.cachedPromptTokens } : {}),
    ...(usage.reasoningTokens > 0 ? { thoughtsTokenCount: usage.reasoningTokens } : {}),
    cost: microsToUsd(costMicros),
    costMicros: costMicros.toString(),
  };
}

/** Gemini hands function arguments over parsed; the call's thought signature rides on its part. */
function functionCallPart(call: ToolCall, signature?: string): GeminiResponsePart {
  return { functionCall: { id: call.id, name: call.function.name, args: toolArgumentsOrEmpty(call.function.arguments) }, ...(signature ? { thoughtSignature: signature } : {}) };
}

/** The closing fields of an answer: why it ended, what it cost, and the web sources it was given (if any). */
function closing(served: ServedResponse, usage: TokenUsage, finishReason: FinishReason): { finishReason: GeminiFinishReason; usageMetadata: GeminiUsageMetadata; groundingMetadata?: GeminiGroundingMetadata } {
  return {
    finishReason: FINISH_REASONS[finishReason],
    usageMetadata: toGeminiUsageMetadata(usage, served),
    ...(served.sources.length > 0 ? { groundingMetadata: { groundingChunks: served.sources.map((source) => ({ web: { uri: source.url, title: source.title } })) } } : {}),
  };
}

function response(
  served: ServedResponse,
  parts: GeminiResponsePart[],
  extra: { finishReason?: GeminiFinishReason; usageMetadata?: GeminiUsageMetadata; groundingMetadata?: GeminiGroundingMetadata } = {},
): GeminiGenerateContentResponse {
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        ...(extra.finishReason ? { finishReason: extra.finishReason } : {}),
        ...(extra.groundingMetadata ? { groundingMetadata: extra.groundingMetadata } : {}),
        index: 0,
      },
    ],
    ...(extra.usageMetadata ? { usageMetadata: extra.usageMetadata } : {}),
    modelVersion: served.modelId,
    responseId: served.requestId,
  };
}

export interface GeminiSurfaceOptions {
  /** `streamGenerateContent` without `alt=sse`: the answer is sent whole, as a one-element JSON array. */
  jsonArray: boolean;
  /** `thinkingConfig.includeThoughts`: Gemini returns thought parts only when asked, whatever the model reasoned. */
  includeThoughts: boolean;
}

/**
 * The Gemini `generateContent` dialect. One instance per request: a stream that fails after it opened ends with a
 * bare JSON error object instead of an SSE event (see `streamTerminator`).
 */
export class GeminiGenerateContentSurface implements ResponseSurface {
  readonly name = 'gemini';
  /** @google/genai (checked with 1.52) skips SSE blocks that are not `data:`, so keep-alive comments are safe. */
  readonly keepAliveComments = true;
  private failure: string | null = null;

  constructor(private readonly options: GeminiSurfaceOptions = { jsonArray: false, includeThoughts: false }) {}

  /**
   * Null for a successful stream (Gemini sends no terminator). After a failure: `{"error": {...}}` on its own, which is
   * what @google/genai raises an ApiError for — it checks each network chunk for a bare JSON error and silently
   * drops a `data: {"error": ...}` event. Should the chunk coalesce with earlier bytes it still raises
   * ("Incomplete JSON segment"), and generic SSE readers ignore the line and see a stream without a finishReason.
   */
  get streamTerminator(): string | null {
    return this.failure;
  }

  completionBody(served: ServedResponse, completion: CanonicalCompletion): GeminiGenerateContentResponse | GeminiGenerateContentResponse[] {
    const parts: GeminiResponsePart[] = [];
    const signatures = thoughtSignatures(completion.signedReasoning);
    const thoughts = signatures.filter((s) => s.part === 'thought');
    const shown = Boolean(completion.reasoning && this.options.includeThoughts);
    if (shown) parts.push({ text: completion.reasoning ?? '', thought: true, ...(thoughts.length === 1 ? { thoughtSignature: thoughts[0].signature } : {}) });
    // Signatures that cannot ride on the one thought part shown go out on empty thought parts, so none is lost.
    if (!shown || thoughts.length > 1) for (const thought of thoughts) parts.push({ text: '', thought: true, thoughtSignature: thought.signature });
    const textSignature = signatures.find((s) => s.part === 'text')?.signature;
    if (completion.content || textSignature) parts.push({ text: completion.content ?? '', ...(textSignature ? { thoughtSignature: textSignature } : {}) });
    for (const call of completion.toolCalls ?? []) parts.push(functionCallPart(call, signatures.find((s) => s.part === 'tool_call' && s.tool_call_id === call.id)?.signature));
    if (parts.length === 0) parts.push({ text: '' });
    const body = response(served, parts, closing(served, completion.usage, completion.finishReason));
    return this.options.jsonArray ? [body] : body;
  }

  streamWriter(served: ServedResponse): SurfaceStreamWriter {
    return new GeminiStreamWriter(served, this.options.includeThoughts, (error, usage) => {
      this.failure = `${JSON.stringify({ ...toGeminiErrorBody(error, served.requestId), usageMetadata: toGeminiUsageMetadata(usage, served) })}\n`;
    });
  }
}

/**
 * `streamGenerateContent?alt=sse` events: text and thoughts as they come; function calls whole (Gemini never streams
 * argument fragments), in the last event with the finishReason and usageMetadata.
 */
export class GeminiStreamWriter implements SurfaceStreamWriter {
  private readonly calls: Array<{ id: string; name: string; arguments: string }> = [];
  private readonly callSignatures = new Map<string, string>();
  private finishReason: FinishReason | undefined;

  constructor(
    private readonly served: ServedResponse,
    private readonly includeThoughts: boolean,
    private readonly onFailure: (error: AppError, usage: TokenUsage) => void,
  ) {}

  delta(delta: AnswerDelta): SseEvent[] {
    switch (delta.type) {
      case 'content':
        return delta.text === '' ? [] : [{ data: response(this.served, [{ text: delta.text }]) }];
      case 'reasoning':
        return delta.text === '' || !this.includeThoughts ? [] : [{ data: response(this.served, [{ text: delta.text, thought: true }]) }];
      case 'signed_reasoning':
        return this.signed(delta.signed);
      case 'tool_calls':
        for (const piece of delta.toolCalls) {
          const call = (this.calls[piece.index] ??= { id: '', name: '', arguments: '' });
          if (piece.id) call.id = piece.id;
          if (piece.function?.name) call.name += piece.function.name;
          call.arguments += piece.function?.arguments ?? '';
        }
        return [];
      case 'finish':
        this.finishReason = delta.finishReason;
        return [];
    }
  }

  finish(usage: TokenUsage, finishReason: FinishReason | undefined): SseEvent[] {
    const parts = this.calls
      .filter(Boolean)
      .map((call) => functionCallPart({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }, this.callSignatures.get(call.id)));
    return [{ data: response(this.served, parts.length > 0 ? parts : [{ text: '' }], closing(this.served, usage, finishReason ?? this.finishReason ?? 'stop')) }];
  }

  fail(error: AppError, usage: TokenUsage): SseEvent[] {
    this.onFailure(error, usage);
    return [];
  }

  /** A call's signature waits for its part; a text or thought signature goes out as an empty part, as Gemini streams it. */
  private signed(signed: SignedReasoning): SseEvent[] {
    if (signed.type !== 'thought_signature') return [];
    if (signed.part === 'tool_call') {
      if (signed.tool_call_id) this.callSignatures.set(signed.tool_call_id, signed.signature);
      return [];
    }
    const part: GeminiResponsePart = { text: '', ...(signed.part === 'thought' ? { thought: true as const } : {}), thoughtSignature: signed.signature };
    return [{ data: response(this.served, [part]) }];
  }
}
