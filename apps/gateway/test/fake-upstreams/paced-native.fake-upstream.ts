import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, type ListeningServer } from './fake-upstream';

/** How one answer is paced, from a `[[paced tokens=5 interval=50 pause=0 linger=0]]` marker in the request body. */
export interface Pacing {
  /** Content tokens (` t0`, ` t1`, …), each one event. */
  tokens: number;
  /** Between tokens. */
  intervalMs: number;
  /** After the last token, before the closing events (OpenAI's finish, usage and `[DONE]`; Gemini's finishReason chunk). */
  pauseMs: number;
  /** After the last byte of the answer, before the body ends (an upstream slow to close its response). */
  lingerMs: number;
}

export interface PacedRequest {
  path: string;
  body: Record<string, any>;
  /** The gateway closed the connection before the answer ended. */
  aborted: boolean;
}

/** Usage the fake reports: a fixed prompt, one completion token per content token. */
export const PACED_OPENAI_PROMPT_TOKENS = 1_000;
export const PACED_GEMINI_PROMPT_TOKENS = 1_000;
const GEMINI_STREAM = /^\/v1beta\/models\/([^/:?]+):streamGenerateContent\?alt=sse$/;

/**
 * OpenAI Chat Completions (JSON and SSE, usage with `stream_options.include_usage`) and Gemini streamGenerateContent (SSE) on
 * 127.0.0.1, in their wire formats, paced per request: tokens at an interval, a pause before the closing events, and
 * a linger before the body ends — so a test can act (kill the gateway, abort) at a known point of a native answer.
 */
export class PacedNativeUpstream {
  readonly requests: PacedRequest[] = [];
  open = 0;
  private listening?: ListeningServer;

  get url(): string {
    return this.listening!.url;
  }

  async start(): Promise<this> {
    this.listening = await listenOnLoopback((req, res) => void this.handle(req, res));
    return this;
  }

  async stop(): Promise<void> {
    await this.listening?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, any> = {};
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      // answered 400 below
    }
    const recorded: PacedRequest = { path: req.url ?? '', body, aborted: false };
    this.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
    });
    const pacing = pacingOf(raw);
    this.open++;
    try {
      if (req.method === 'POST' && req.url === '/v1/chat/completions' && body.stream === true) await this.openAiStream(res, body, pacing);
      else if (req.method === 'POST' && req.url === '/v1/chat/completions') await this.openAiJson(res, body, pacing);
      else if (req.method === 'POST' && GEMINI_STREAM.test(req.url ?? '')) await this.geminiStream(res, GEMINI_STREAM.exec(req.url ?? '')![1], pacing);
      else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"this fake only paces chat completions and Gemini streams","type":"invalid_request_error","param":null,"code":null}}');
      }
    } finally {
      this.open--;
    }
  }

  private async openAiStream(res: ServerResponse, body: Record<string, any>, pacing: Pacing): Promise<void> {
    const base = { id: 'chatcmpl-paced', object: 'chat.completion.chunk', created: 1_700_000_000, model: String(body.model), system_fingerprint: 'fp_paced' };
    const data = (chunk: object | string) => res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    data({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], usage: null });
    for (let i = 0; i < pacing.tokens; i++) {
      if (!(await sleep(pacing.intervalMs, res))) return;
      data({ ...base, choices: [{ index: 0, delta: { content: ` t${i}` }, logprobs: null, finish_reason: null }], usage: null });
    }
    if (!(await sleep(pacing.pauseMs, res))) return;
    data({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null });
    if (body.stream_options?.include_usage === true) {
      data({ ...base, choices: [], usage: { prompt_tokens: PACED_OPENAI_PROMPT_TOKENS, completion_tokens: pacing.tokens, total_tokens: PACED_OPENAI_PROMPT_TOKENS + pacing.tokens } });
    }
    data('[DONE]');
    if (await sleep(pacing.lingerMs, res)) res.end();
  }

  private async openAiJson(res: ServerResponse, body: Record<string, any>, pacing: Pacing): Promise<void> {
    if (!(await sleep(pacing.tokens * pacing.intervalMs + pacing.pauseMs, res))) return;
    const content = Array.from({ length: pacing.tokens }, (_, i) => ` t${i}`).join('');
    const answer = {
      id: 'chatcmpl-paced',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: String(body.model),
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: PACED_OPENAI_PROMPT_TOKENS, completion_tokens: pacing.tokens, total_tokens: PACED_OPENAI_PROMPT_TOKENS + pacing.tokens },
    };
    // Chunked (no content-length), so the body can stay open after the last byte of the JSON.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON.stringify(answer));
    if (await sleep(pacing.lingerMs, res)) res.end();
  }

  private async geminiStream(res: ServerResponse, model: string, pacing: Pacing): Promise<void> {
    const chunk = (text: string) => res.write(`data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }], modelVersion: model, responseId: 'paced' })}\r\n\r\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < pacing.tokens; i++) {
      if (i > 0 && !(await sleep(pacing.intervalMs, res))) return;
      chunk(` t${i}`);
    }
    if (!(await sleep(pacing.pauseMs, res))) return;
    // Gemini sends no terminator: the chunk with the finishReason (and the usage) is the last.
    const usageMetadata = { promptTokenCount: PACED_GEMINI_PROMPT_TOKENS, candidatesTokenCount: pacing.tokens, totalTokenCount: PACED_GEMINI_PROMPT_TOKENS + pacing.tokens };
    res.write(`data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: model, responseId: 'paced' })}\r\n\r\n`);
    if (await sleep(pacing.lingerMs, res)) res.end();
  }
}

/** The marker's pacing; defaults: 3 tokens, no waits. */
export function pacingOf(rawBody: string): Pacing {
  const marker = /\[\[paced([^\]]*)\]\]/.exec(rawBody)?.[1] ?? '';
  const value = (name: string, fallback: number) => Number(new RegExp(`${name}=(\\d+)`).exec(marker)?.[1] ?? fallback);
  return { tokens: value('tokens', 3), intervalMs: value('interval', 0), pauseMs: value('pause', 0), lingerMs: value('linger', 0) };
}

/** Waits `ms`; false when the connection closed first (the gateway went away). */
function sleep(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
  });
}
