import type { SseEvent } from '../../streaming/sse-decoder';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** OpenAI Responses API events after which nothing but the end of the body follows. */
const RESPONSE_END_TYPES = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * True for the event that tells a client a native stream is complete, in any provider's own format: OpenAI's
 * `[DONE]`, Anthropic's `message_stop`, the Responses API's `response.completed` (and its failed/incomplete twins),
 * Gemini's chunk carrying a `finishReason` (Gemini sends no terminator). The gateway holds it back until the
 * completion is published, so no client sees a complete answer the books may not have.
 */
export function isClosingEvent(event: SseEvent): boolean {
  if (event.data === '[DONE]') return true;
  if (event.event === 'message_stop') return true;
  let payload: unknown;
  try {
    payload = JSON.parse(event.data);
  } catch {
    return false;
  }
  if (!isObject(payload)) return false;
  if (payload.type === 'message_stop' || (typeof payload.type === 'string' && RESPONSE_END_TYPES.has(payload.type))) return true;
  return Array.isArray(payload.candidates) && payload.candidates.some((c) => isObject(c) && typeof c.finishReason === 'string' && c.finishReason !== '');
}
