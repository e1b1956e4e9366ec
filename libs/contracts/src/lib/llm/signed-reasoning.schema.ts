import { z } from 'zod';

/**
 * Reasoning a provider sealed with a signature. It is opaque to everyone else and must go back to the provider that
 * issued it unchanged on the next turn (Anthropic refuses tool-use continuations without it, Gemini 3 function-call
 * turns too); each adapter sends only its own kinds and drops the rest. Not part of the OpenAI wire format.
 */
export const SignedReasoningSchema = z.discriminatedUnion('type', [
  /** Anthropic thinking block: its text and the signature vouching for it. */
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  /** Anthropic redacted_thinking block: encrypted reasoning. */
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
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
