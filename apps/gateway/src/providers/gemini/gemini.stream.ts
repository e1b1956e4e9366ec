import { AppError } from '@switchyard/errors';
import type { CanonicalDelta } from '../provider-adapter';
import { geminiStreamError } from './gemini.errors';
import { type GeminiGenerateContentResponse, type GeminiUsageMetadata, type ToolCallIdFactory, partSignature, randomToolCallId, toFinishReason, toTokenUsage, toToolCall } from './gemini.response';

/**
 * Decodes the `data:` payloads of `streamGenerateContent?alt=sse`: each is a whole GenerateContentResponse. Text and
 * function calls are emitted as they come; usageMetadata (repeated, cumulative) is kept and emitted once, with the
 * finish, when the stream ends (`end()`), because only the event with finishReason carries the final counts.
 */
export class GeminiStreamState {
  private finishReason: string | undefined;
  private blocked = false;
  private usage: GeminiUsageMetadata | undefined;
  private toolCallCount = 0;

  constructor(private readonly newId: ToolCallIdFactory = randomToolCallId) {}

  /** True once an event carried a finishReason (or a prompt block). */
  get finished(): boolean {
    return this.finishReason !== undefined || this.blocked;
  }

  push(data: string): CanonicalDelta[] {
    let event: GeminiGenerateContentResponse;
    try {
      event = JSON.parse(data) as GeminiGenerateContentResponse;
    } catch (error) {
      throw new AppError('upstream_error', 'The provider sent a malformed stream event.', { cause: error });
    }
    if (event.error) throw geminiStreamError(event.error);
    if (event.usageMetadata) this.usage = event.usageMetadata;
    if (event.promptFeedback?.blockReason) this.blocked = true;
    const deltas: CanonicalDelta[] = [];
    const candidate = event.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      let toolCallId: string | undefined;
      if (part.functionCall) {
        const call = toToolCall(part.functionCall, this.newId);
        toolCallId = call.id;
        deltas.push({ type: 'tool_calls', toolCalls: [{ index: this.toolCallCount++, id: call.id, type: 'function', function: call.function }] });
      } else if (typeof part.text === 'string' && part.text !== '') {
        deltas.push({ type: part.thought ? 'reasoning' : 'content', text: part.text });
      }
      // After its part: the signature seals what came with it (an empty text part may carry only a signature).
      const signed = partSignature(part, toolCallId);
      if (signed) deltas.push({ type: 'signed_reasoning', signed });
    }
    if (candidate?.finishReason) this.finishReason = candidate.finishReason;
    return deltas;
  }

  /** The finish and the one usage delta; refuses a stream cut off before its last event. */
  end(): CanonicalDelta[] {
    if (!this.finished) throw new AppError('upstream_error', 'The provider stream ended before the answer was complete.');
    if (!this.usage) throw new AppError('upstream_error', 'The provider stream ended without usage; the request cannot be metered.');
    const finishReason = this.blocked && this.finishReason === undefined ? 'content_filter' : toFinishReason(this.finishReason, this.toolCallCount > 0);
    return [
      { type: 'finish', finishReason },
      { type: 'usage', usage: toTokenUsage(this.usage) },
    ];
  }
}
