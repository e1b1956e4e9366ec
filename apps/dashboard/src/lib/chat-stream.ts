// Streams POST /v1/chat/completions on the same origin: the session cookie authenticates (the gateway checks the
// Origin), the SSE stream is parsed with eventsource-parser, errors arrive in the API's envelope.
import { createParser } from 'eventsource-parser';
import { ApiError, refreshSession, toApiError } from './api';
import { parseUsdToMicros } from './money';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OutgoingMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export interface ChatRequestBody {
  model: string;
  messages: OutgoingMessage[];
  plugins?: Array<{ id: 'web' }>;
}

export interface UrlCitation {
  url: string;
  title?: string;
}

/** What one streamed answer produced. */
export interface ChatAnswer {
  content: string;
  /** The model that served (for `auto`, the one it resolved to). */
  model: string | null;
  provider: string | null;
  requestId: string | null;
  costMicros: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  webSearchRequests: number;
  citations: UrlCitation[];
  latencyMs: number;
  ttftMs: number | null;
  finishReason: string | null;
  /** A mid-stream failure (`finish_reason: "error"`) or a refused request, in the API's envelope. */
  error: ApiError | null;
}

interface Chunk {
  model?: string;
  provider?: string;
  choices?: Array<{ delta?: { content?: string | null; annotations?: unknown[] }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cost?: string; cost_micros?: string; server_tool_use?: { web_search_requests?: number } };
  error?: { message?: string; code?: string; type?: string; metadata?: unknown };
}

/** Sends the request with `stream: true`; `onText` gets the answer so far after every delta. */
export async function streamChat(body: ChatRequestBody, options: { signal?: AbortSignal; onText?: (text: string) => void; onModel?: (model: string) => void }): Promise<ChatAnswer> {
  const startedMs = performance.now();
  let response = await send(body, options.signal);
  if (response.status === 401 && (await refreshSession())) response = await send(body, options.signal);
  const answer: ChatAnswer = {
    content: '',
    model: response.headers.get('x-switchyard-model'),
    provider: response.headers.get('x-switchyard-provider'),
    requestId: response.headers.get('x-switchyard-request-id'),
    costMicros: null,
    promptTokens: null,
    completionTokens: null,
    webSearchRequests: 0,
    citations: [],
    latencyMs: 0,
    ttftMs: null,
    finishReason: null,
    error: null,
  };
  if (!response.ok || !response.body) {
    const text = await response.text();
    answer.error = toApiError(response.status, safeJson(text), text);
    answer.latencyMs = Math.round(performance.now() - startedMs);
    return answer;
  }
  if (answer.model) options.onModel?.(answer.model);
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      const chunk = safeJson(event.data) as Chunk | undefined;
      if (!chunk) return;
      if (chunk.model && chunk.model !== answer.model) {
        answer.model = chunk.model;
        options.onModel?.(chunk.model);
      }
      if (chunk.provider) answer.provider = chunk.provider;
      for (const choice of chunk.choices ?? []) {
        const text = choice.delta?.content;
        if (text) {
          answer.ttftMs ??= Math.round(performance.now() - startedMs);
          answer.content += text;
          options.onText?.(answer.content);
        }
        for (const annotation of choice.delta?.annotations ?? []) {
          const citation = (annotation as { type?: string; url_citation?: { url?: string; title?: string } }).url_citation;
          if (citation?.url && !answer.citations.some((c) => c.url === citation.url)) answer.citations.push({ url: citation.url, title: citation.title });
        }
        if (choice.finish_reason) answer.finishReason = choice.finish_reason;
      }
      if (chunk.usage) {
        answer.costMicros = chunk.usage.cost_micros ?? (chunk.usage.cost !== undefined ? (parseUsdToMicros(chunk.usage.cost)?.toString() ?? null) : null);
        answer.promptTokens = chunk.usage.prompt_tokens ?? null;
        answer.completionTokens = chunk.usage.completion_tokens ?? null;
        answer.webSearchRequests = chunk.usage.server_tool_use?.web_search_requests ?? 0;
      }
      if (chunk.error) answer.error = toApiError(response.status, { error: chunk.error });
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (error) {
    if (options.signal?.aborted) answer.error = new ApiError(0, 'client_aborted', 'Stopped.');
    else answer.error = new ApiError(0, 'network_error', error instanceof Error ? error.message : 'The stream was interrupted.');
  }
  answer.latencyMs = Math.round(performance.now() - startedMs);
  return answer;
}

function send(body: ChatRequestBody, signal?: AbortSignal): Promise<Response> {
  return fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ ...body, stream: true }),
    credentials: 'same-origin',
    signal,
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
