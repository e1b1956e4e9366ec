import type { ChatMessage } from '@switchyard/contracts';

type Tokenizer = typeof import('gpt-tokenizer');
let loaded: Tokenizer | undefined;

/**
 * o200k_base, loaded on first use: its rank tables are ~20 MB of heap, and a request whose provider reports usage
 * (the usual case) never counts a token. The first count pays the load once (~0.2 s). bench/README.md "Memory and soak".
 */
export function tokenizer(): Tokenizer {
  return (loaded ??= require('gpt-tokenizer') as Tokenizer);
}

/** Per-message framing tokens in the chat format (role, separators), as OpenAI counts them. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

export function countTextTokens(text: string): number {
  return text === '' ? 0 : tokenizer().countTokens(text);
}

/** Prompt tokens of a conversation's text (o200k_base), with the chat format's framing. */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + countTextTokens(message.role) + countTextTokens(messageText(message));
    if (message.role === 'assistant' && message.tool_calls) total += countTextTokens(JSON.stringify(message.tool_calls));
  }
  return total;
}

export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
