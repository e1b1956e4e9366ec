import { AppError } from '@switchyard/errors';
import type { CanonicalDelta, ToolCallDelta } from '../provider-adapter';
import type { OpenAiCompatibleQuirks } from './openai-compatible.provider';
import { type OpenAiUsage, toFinishReason, toTokenUsage } from './openai-compatible.response';

type OpenAiDelta = { content?: string | null; tool_calls?: ToolCallDelta[] } & Partial<Record<OpenAiCompatibleQuirks['reasoningField'], string | null>>;

interface OpenAiChunk {
  choices?: Array<{ delta?: OpenAiDelta; finish_reason?: string | null }>;
  usage?: OpenAiUsage | null;
  /** Groq sends the usage of a stream here, on its last chunk. */
  x_groq?: { usage?: OpenAiUsage | null } | null;
  error?: { message?: string };
}

/** One `data:` payload of an OpenAI-style stream → canonical deltas (usage from whichever chunk carries it). */
export function fromOpenAiCompatibleChunk(data: string, reasoningField: OpenAiCompatibleQuirks['reasoningField'] = 'reasoning'): CanonicalDelta[] {
  let chunk: OpenAiChunk;
  try {
    chunk = JSON.parse(data) as OpenAiChunk;
  } catch (error) {
    throw new AppError('upstream_error', 'The provider sent a malformed stream chunk.', { cause: error });
  }
  if (chunk.error) throw new AppError('upstream_error', `The provider failed mid-stream: ${String(chunk.error.message ?? 'unknown error').slice(0, 500)}`);
  const deltas: CanonicalDelta[] = [];
  const choice = chunk.choices?.[0];
  const reasoning = choice?.delta?.[reasoningField];
  if (reasoning) deltas.push({ type: 'reasoning', text: reasoning });
  if (choice?.delta?.content) deltas.push({ type: 'content', text: choice.delta.content });
  if (choice?.delta?.tool_calls?.length) deltas.push({ type: 'tool_calls', toolCalls: choice.delta.tool_calls });
  if (choice?.finish_reason) deltas.push({ type: 'finish', finishReason: toFinishReason(choice.finish_reason) });
  const usage = chunk.usage ?? chunk.x_groq?.usage;
  if (usage) deltas.push({ type: 'usage', usage: toTokenUsage(usage) });
  return deltas;
}
