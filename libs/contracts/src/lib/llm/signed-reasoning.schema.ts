import { z } from 'zod';

/**
 * Reasoning a provider sealed with a signature. It is opaque to everyone else and must go back to the provider that
 * issued it unchanged on the next turn (Anthropic refuses tool-use continuations without it, Gemini 3 function-call
 * turns too); each adapter sends only its own kinds and drops the rest. Not part of the OpenAI wire format.
 */
export const SignedReasoningSchema = z.discriminatedUnion('type', [
  /** Anthropic thinking block: its text and the signature vouching for it. */
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string(), before_tool_call_id: z.string().max(200).optional() }),
  /** Anthropic redacted_thinking block: encrypted reasoning. */
  z.object({ type: z.literal('redacted_thinking'), data: z.string(), before_tool_call_id: z.string().max(200).optional() }),
  /**
   * Gemini thoughtSignature, with the part it rode on: a function call (`tool_call_id`), the answer text, or a thought
   * (whose `text` it seals).
   */
  z.object({
    type: z.literal('thought_signature'),
    signature: z.string(),
    part: z.enum(['text', 'thought', 'tool_call']),
    tool_call_id: z.string().optional(),
    text: z.string().optional(),
  }),
]);
export type SignedReasoning = z.output<typeof SignedReasoningSchema>;

/**
 * Interleaved thinking: a model may think again between tool calls, and the turn must go back to it in that order.
 * Collects a turn's signed blocks as they come; a block that follows a tool call is tagged `before_tool_call_id` with
 * the tool call it precedes. Blocks before the first tool call (or after the last) lead the turn.
 */
export class SignedReasoningSequence {
  private readonly blocks: SignedReasoning[] = [];
  private waiting: SignedReasoning[] = [];
  private afterToolCall = false;

  add(block: SignedReasoning): void {
    if (this.afterToolCall && block.type !== 'thought_signature') this.waiting.push(block);
    else this.blocks.push(block);
  }

  toolCall(id: string): void {
    for (const block of this.waiting) if (block.type !== 'thought_signature') this.blocks.push({ ...block, before_tool_call_id: id });
    this.waiting = [];
    this.afterToolCall = true;
  }

  /** The turn's blocks, leading ones first, then those tagged to a tool call, in the order they came. */
  done(): SignedReasoning[] {
    return [...this.blocks, ...this.waiting];
  }
}

/**
 * Where a turn's signed blocks go back: `leading` before the text and the tool calls, `before(id)` right before that
 * tool call. A block tagged to a tool call the turn does not have leads, so nothing is dropped.
 */
export function placeSignedReasoning(
  signed: readonly SignedReasoning[] | undefined,
  toolCallIds: readonly string[],
): { leading: SignedReasoning[]; before: (toolCallId: string) => SignedReasoning[] } {
  const known = new Set(toolCallIds);
  const leading: SignedReasoning[] = [];
  const tagged = new Map<string, SignedReasoning[]>();
  for (const block of signed ?? []) {
    const id = block.type === 'thought_signature' ? undefined : block.before_tool_call_id;
    if (id === undefined || !known.has(id)) leading.push(block);
    else tagged.set(id, [...(tagged.get(id) ?? []), block]);
  }
  return { leading, before: (toolCallId) => tagged.get(toolCallId) ?? [] };
}
