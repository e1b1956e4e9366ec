import { api } from '../../lib/api';
import type { ContentPart } from '../../lib/chat-stream';

/** A message as the chat shows and stores it: the OpenAI fields plus what the dashboard keeps with an answer. */
export interface StoredMessage {
  role: 'user' | 'assistant';
  content: string | ContentPart[];
  /** Answers: which column (0, or 1 when comparing two models) and what ran. */
  slot?: 0 | 1;
  requested_model?: string;
  model?: string | null;
  provider?: string | null;
  request_id?: string | null;
  cost_micros?: string | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  latency_ms?: number;
  ttft_ms?: number | null;
  web_search_requests?: number;
  web_search?: boolean;
  citations?: Array<{ url: string; title?: string }>;
  error?: { code: string; message: string; suggested_action?: string; status: number };
}

export interface ConversationSummary {
  id: string;
  title: string;
  message_count: number;
  updated_at: string;
}

export interface Conversation {
  id: string;
  title: string;
  messages: StoredMessage[];
  updated_at: string;
}

/** What the server keeps per conversation (1 MiB of messages); large image attachments are left out of the stored copy. */
const STORED_BYTES_TARGET = 900_000;

export const listConversations = () => api<{ data: ConversationSummary[] }>('/api/v1/conversations').then((r) => r.data);
export const getConversation = (id: string) => api<{ data: Conversation }>(`/api/v1/conversations/${encodeURIComponent(id)}`).then((r) => r.data);
export const deleteConversation = (id: string) => api(`/api/v1/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' });

export async function saveConversation(id: string | null, messages: StoredMessage[]): Promise<Conversation> {
  const body = { title: titleOf(messages), messages: forStorage(messages) };
  if (id) return (await api<{ data: Conversation }>(`/api/v1/conversations/${encodeURIComponent(id)}`, { method: 'PUT', body })).data;
  return (await api<{ data: Conversation }>('/api/v1/conversations', { method: 'POST', body })).data;
}

export function textOf(content: StoredMessage['content']): string {
  return typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

export function imagesOf(content: StoredMessage['content']): string[] {
  return typeof content === 'string' ? [] : content.flatMap((p) => (p.type === 'image_url' && p.image_url.url ? [p.image_url.url] : []));
}

function titleOf(messages: StoredMessage[]): string {
  const first = messages.find((m) => m.role === 'user');
  const text = first ? textOf(first.content).trim().replace(/\s+/g, ' ') : '';
  return (text || 'Image chat').slice(0, 80);
}

function forStorage(messages: StoredMessage[]): StoredMessage[] {
  if (JSON.stringify(messages).length <= STORED_BYTES_TARGET) return messages;
  return messages.map((m) =>
    typeof m.content === 'string' ? m : { ...m, content: m.content.map((p): ContentPart => (p.type === 'image_url' ? { type: 'text', text: ' [image not kept in history]' } : p)) },
  );
}
