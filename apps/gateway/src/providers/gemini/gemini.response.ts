import { randomBytes } from 'node:crypto';
import type { FinishReason, SignedReasoning, TokenUsage, ToolCall } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { CanonicalCompletion } from '../provider-adapter';

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiResponsePart {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> };
  thoughtSignature?: string;
}

/** One `GenerateContentResponse` (the whole answer, or one SSE event of a stream). */
export interface GeminiGenerateContentResponse {
  candidates?: Array<{ content?: { role?: string; parts?: GeminiResponsePart[] }; finishReason?: string; index?: number }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  error?: { code?: number; message?: unknown; status?: string };
}

/** Gemini does not id its function calls; OpenAI clients need one to answer them. */
export type ToolCallIdFactory = () => string;
export const randomToolCallId: ToolCallIdFactory = () => `call_${randomBytes(12).toString('hex')}`;

/**
 * usageMetadata → canonical usage. The prompt count includes cached tokens and tool-use prompt tokens are billed as
 * prompt; thoughts are output tokens (completion = candidates + thoughts, reasoning = thoughts).
 */
export function toTokenUsage(usage: GeminiUsageMetadata): TokenUsage {
  const thoughts = usage.thoughtsTokenCount ?? 0;
  return {
    promptTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    completionTokens: (usage.candidatesTokenCount ?? 0) + thoughts,
    cachedPromptTokens: usage.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

/** Gemini's finishReason; a turn that called functions ends with STOP but is a tool_calls finish for OpenAI clients. */
export function toFinishReason(value: string | undefined, calledFunctions: boolean): FinishReason {
  switch (value) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return calledFunctions ? 'tool_calls' : 'stop';
  }
}

export function toToolCall(call: NonNullable<GeminiResponsePart['functionCall']>, newId: ToolCallIdFactory): ToolCall {
  return { id: call.id || newId(), type: 'function', function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) } };
}

/** A part's thoughtSignature, tied to what it rode on, so that it can go back on the same kind of part. */
export function partSignature(part: GeminiResponsePart, toolCallId: string | undefined): SignedReasoning | undefined {
  if (!part.thoughtSignature) return undefined;
  const signature = part.thoughtSignature;
  if (toolCallId !== undefined) return { type: 'thought_signature', signature, part: 'tool_call', tool_call_id: toolCallId };
  if (part.thought) return { type: 'thought_signature', signature, part: 'thought', text: part.text ?? '' };
  return { type: 'thought_signature', signature, part: 'text' };
}

export function fromGeminiResponse(body: unknown, newId: ToolCallIdFactory = randomToolCallId): CanonicalCompletion {
  const response = body as GeminiGenerateContentResponse;
  if (!response?.usageMetadata) throw new AppError('upstream_error', 'The provider returned no usage; the request cannot be metered.');
  const candidate = response.candidates?.[0];
  const usage = toTokenUsage(response.usageMetadata);
  // A blocked prompt has no candidates, only promptFeedback.blockReason.
  if (!candidate) {
    if (response.promptFeedback?.blockReason) return { content: null, finishReason: 'content_filter', usage };
    throw new AppError('upstream_error', 'The provider returned no candidates.');
  }
  let content = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const signedReasoning: SignedReasoning[] = [];
  for (const part of candidate.content?.parts ?? []) {
    let toolCallId: string | undefined;
    if (part.functionCall) {
      const call = toToolCall(part.functionCall, newId);
      toolCalls.push(call);
      toolCallId = call.id;
    } else if (typeof part.text === 'string') {
      if (part.thought) reasoning += part.text;
      else content += part.text;
    }
    const signed = partSignature(part, toolCallId);
    if (signed) signedReasoning.push(signed);
  }
  return {
    content: content === '' && toolCalls.length > 0 ? null : content,
    ...(toolCalls.length ? { toolCalls } : {}),
    ...(reasoning ? { reasoning } : {}),
    ...(signedReasoning.length > 0 ? { signedReasoning } : {}),
    finishReason: toFinishReason(candidate.finishReason, toolCalls.length > 0),
    usage,
  };
}
