import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';

export const ONLINE_SUFFIX = ':online';
export const WEB_RESULTS_DEFAULT = 5;
export const WEB_RESULTS_MAX = 10;

/** A request's web-search ask: `plugins: [{ id: "web" }]` (OpenRouter) or a `:online` model suffix. */
export interface WebSearchAsk {
  /** The model to route to, suffix removed. */
  model: string;
  maxResults: number;
  /** Replaces the default instruction placed before the results. */
  searchPrompt?: string;
}

export function webSearchAsk(request: ChatRequest): WebSearchAsk | null {
  const plugin = request.plugins?.find((p) => p.id === 'web');
  const online = request.model.endsWith(ONLINE_SUFFIX);
  if (!plugin && !online) return null;
  const model = online ? request.model.slice(0, -ONLINE_SUFFIX.length) : request.model;
  const maxResults = plugin?.max_results ?? WEB_RESULTS_DEFAULT;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > WEB_RESULTS_MAX) {
    throw new AppError('invalid_request', `plugins[web].max_results must be an integer from 1 to ${WEB_RESULTS_MAX}.`, { param: 'plugins' });
  }
  const searchPrompt = plugin?.search_prompt;
  if (searchPrompt !== undefined && (typeof searchPrompt !== 'string' || searchPrompt.length > 2_000)) {
    throw new AppError('invalid_request', 'plugins[web].search_prompt must be a string of at most 2000 characters.', { param: 'plugins' });
  }
  return { model, maxResults, ...(searchPrompt ? { searchPrompt } : {}) };
}

/** What to search for: the last user message's text (the question being asked). */
export function searchQuery(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message.role !== 'user') continue;
    const text = typeof message.content === 'string' ? message.content : message.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join(' ');
    const query = text.replace(/\s+/g, ' ').trim().slice(0, 400);
    if (query) return query;
  }
  throw new AppError('invalid_request', 'Web search needs a user message with text to search for.', { param: 'messages' });
}
