import type { ServerResponse } from 'node:http';
import { listenOnLoopback, type ListeningServer, writeSseData } from '../../../gateway/test/fake-upstreams/fake-upstream';

/**
 * An OpenAI Chat Completions upstream for long streams: one content token every `intervalMs`, `tokens` of them,
 * then the finish chunk, the usage chunk (when asked for with `stream_options.include_usage`, as OpenAI does) and
 * `[DONE]` — the chunk shapes of the recorded fixture `chat.stream.sse`. It counts open streams so a load test can
 * tell it held them all at once.
 */
export class TickingUpstream {
  open = 0;
  peakOpen = 0;
  served = 0;
  private listening?: ListeningServer;

  constructor(private readonly options: { tokens: number; intervalMs: number; promptTokens: number }) {}

  get baseUrl(): string {
    return `${this.listening!.url}/v1`;
  }

  async start(): Promise<this> {
    this.listening = await listenOnLoopback((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } } = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // answered below as a bad request
        }
        if (req.url !== '/v1/chat/completions' || body.stream !== true) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'this fake only streams chat completions', type: 'invalid_request_error', param: null, code: null } }));
          return;
        }
        void this.stream(res, String(body.model), body.stream_options?.include_usage === true);
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.listening?.close();
  }

  private async stream(res: ServerResponse, model: string, includeUsage: boolean): Promise<void> {
    this.open++;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    const id = `chatcmpl-tick${Math.random().toString(36).slice(2, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: unknown[], usage: unknown = null) => JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_tick', choices, usage });
    try {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': id });
      writeSseData(res, chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
      for (let i = 0; i < this.options.tokens; i++) {
        await new Promise((r) => setTimeout(r, this.options.intervalMs));
        if (res.destroyed) return;
        writeSseData(res, chunk([{ index: 0, delta: { content: ` t${i}` }, logprobs: null, finish_reason: null }]));
      }
      writeSseData(res, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
      if (includeUsage) {
        const usage = { prompt_tokens: this.options.promptTokens, completion_tokens: this.options.tokens, total_tokens: this.options.promptTokens + this.options.tokens };
        writeSseData(res, chunk([], { ...usage, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }));
      }
      writeSseData(res, '[DONE]');
      res.end();
      this.served++;
    } finally {
      this.open--;
    }
  }
}
