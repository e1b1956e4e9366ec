import type { ChatRequest } from '@switchyard/contracts';
import { WEB_SOURCE_LIMITS, type WebSource } from './web-source';

const DEFAULT_PROMPT =
  'A web search was conducted on {date}. Incorporate the following web search results into your response. ' +
  'IMPORTANT: Cite them using markdown links named using the domain of the source. Example: [nytimes.com](https://nytimes.com/some-page).';

/** Bytes of framing per result and for the instruction, on top of the capped fields. */
const RESULT_FRAMING_BYTES = 64;
const PROMPT_BYTES_MAX = 2_200;

/**
 * Upper bound on the prompt tokens the search context adds, so the hold can be placed before searching: a token
 * is at least one byte, fields are capped in UTF-16 units, and one unit is at most 6 bytes once JSON-escaped (`\u001f`).
 */
export function searchContextTokensMax(maxResults: number): number {
  const perResult = 6 * (WEB_SOURCE_LIMITS.urlChars + WEB_SOURCE_LIMITS.titleChars + WEB_SOURCE_LIMITS.contentChars) + RESULT_FRAMING_BYTES;
  return PROMPT_BYTES_MAX * 6 + maxResults * perResult;
}

/** The request with the results as a system message right before the last user message. */
export function withSearchResults(request: ChatRequest, sources: WebSource[], searchPrompt: string | undefined, now: Date): ChatRequest {
  const instruction = (searchPrompt ?? DEFAULT_PROMPT).replace('{date}', now.toISOString().slice(0, 10));
  const results = sources.map((s, i) => `[${i + 1}] ${s.title}\nURL: ${s.url}\n${s.content}`).join('\n\n');
  const context = { role: 'system' as const, content: `${instruction}\n\n${results || 'No results were found.'}` };
  const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
  const messages = [...request.messages];
  messages.splice(lastUser < 0 ? messages.length : lastUser, 0, context);
  return { ...request, messages };
}
