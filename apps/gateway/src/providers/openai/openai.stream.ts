import { AppError } from '@switchyard/errors';
import type { CanonicalDelta, ToolCallDelta } from '../provider-adapter';
import { type OpenAiUsage, toFinishReason, toTokenUsage } from './openai.response';

interface OpenAiChunk {
  choices?: Array<{
    delta?: { content?: string | null; reasoning?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }>;
  usage?: OpenAiUsage | null;
  error?: { message?: string };
}

/** One `data:` payload of an OpenAI stream → canonical deltas (usage last, from the usage-only chunk). */
export function fromOpenAiChunk(data: string): CanonicalDelta[] {
  let chunk: OpenAiChunk;
  try {
    chunk = JSON.parse(data) as OpenAiChunk;
  } catch (error) {
    throw new AppError('upstream_error', 'The provider sent a malformed stream chunk.', { cause: error });
  }
  if (chunk.error) throw new AppError('upstream_error', `The provider failed mid-stream: ${String(chunk.error.message ?? 'unknown error').slice(0, 500)}`);
  const deltas: CanonicalDelta[] = [];
  const choice = chunk.choices?.[0];
  if (choice?.delta?.reasoning) deltas.push({ type: 'reasoning', text: choice.delta.reasoning });
  if (choice?.delta?.content) deltas.push({ type: 'content', text: choice.delta.content });
  if (choice?.delta?.tool_calls?.length) deltas.push({ type: 'tool_calls', toolCalls: choice.delta.tool_calls });
  if (choice?.finish_reason) deltas.push({ type: 'finish', finishReason: toFinishReason(choice.finish_reason) });
  if (chunk.usage) deltas.push({ type: 'usage', usage: toTokenUsage(chunk.usage) });
  return deltas;
}
