import { type FinishReason, SignedReasoningSequence, type TokenUsage, type ToolCall } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { CanonicalCompletion } from '../provider-adapter';

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

type AnthropicResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: string };

interface AnthropicMessageResponse {
  type?: string;
  content?: AnthropicResponseBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage | null;
}

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; ours (OpenAI semantics) includes them.
 * Thinking tokens are part of `output_tokens` and are not reported separately.
 */
export function toTokenUsage(usage: AnthropicUsage): TokenUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    promptTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
    completionTokens: usage.output_tokens ?? 0,
    cachedPromptTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: 0,
  };
}

export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default: // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/** The matched sequence, which Anthropic names with stop_reason `stop_sequence`. */
export function stopSequence(stopReason: string | null | undefined, sequence: string | null | undefined): { stopSequence?: string } {
  return stopReason === 'stop_sequence' && typeof sequence === 'string' ? { stopSequence: sequence } : {};
}

export function fromAnthropicMessage(body: unknown): CanonicalCompletion {
  const message = body as AnthropicMessageResponse;
  if (!message || typeof message !== 'object' || !Array.isArray(message.content)) {
    throw new AppError('upstream_error', 'The provider returned a malformed response.');
  }
  if (!message.usage) throw new AppError('upstream_error', 'The provider returned no usage; the request cannot be metered.');
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const sequence = new SignedReasoningSequence();
  for (const block of message.content) {
    if (block.type === 'text') texts.push((block as { text: string }).text);
    else if (block.type === 'thinking') {
      const thinking = block as { thinking: string; signature?: string };
      thoughts.push(thinking.thinking);
      if (typeof thinking.signature === 'string') sequence.add({ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature });
    } else if (block.type === 'redacted_thinking') sequence.add({ type: 'redacted_thinking', data: (block as { data: string }).data });
    else if (block.type === 'tool_use') {
      const use = block as { id: string; name: string; input: unknown };
      sequence.toolCall(use.id);
      toolCalls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    }
  }
  const signedReasoning = sequence.done();
  return {
    content: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '',
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(thoughts.length > 0 ? { reasoning: thoughts.join('') } : {}),
    ...(signedReasoning.length > 0 ? { signedReasoning } : {}),
    finishReason: toFinishReason(message.stop_reason),
    ...stopSequence(message.stop_reason, message.stop_sequence),
    usage: toTokenUsage(message.usage),
  };
}
