import { z } from 'zod';

/** Bounds: a wallet keeps at most this many chats per workspace, each at most this large (JSON bytes). */
export const CONVERSATIONS_PER_WALLET_MAX = 200;
export const CONVERSATION_BYTES_MAX = 1_048_576;
export const CONVERSATION_MESSAGES_MAX = 500;

const Part = z.record(z.string(), z.unknown());
/** A stored message: OpenAI's role and content (text or parts), plus whatever the dashboard keeps with an answer. */
const StoredMessage = z
  .object({
    role: z.enum(['system', 'user', 'assistant']),
    content: z.union([z.string(), z.array(Part).max(50)]),
  })
  .catchall(z.unknown());

export const ConversationBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  messages: z.array(StoredMessage).max(CONVERSATION_MESSAGES_MAX),
});
export type ConversationBody = z.output<typeof ConversationBodySchema>;
