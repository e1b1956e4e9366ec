import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { closeServer, listenOnLoopback, writeSseData } from './fake-upstream';

/**
 * A local OpenAI Chat Completions upstream speaking the exact wire format, built from the recorded fixtures in
 * `src/providers/openai/__fixtures__/`. It records every request so tests can assert what the gateway sent.
 *
 * A scenario is chosen, first match wins, by: the `x-fake-scenario` header; a model named `fake-<scenario>`;
 * a `[[fake:<scenario>]]` marker in any message (the gateway forwards neither client headers nor our model ids,
 * so this is how an end-to-end test scripts one request); the queue filled by `enqueue()`; else `ok`
 * (`tools` when the request carries tools and streams). `slow` streams one chunk per `slowChunkDelayMs`, or
 * answers a non-streaming request after 20 × that.
 */
export type FakeScenario = 'ok' | 'tools' | '429' | '500' | '401' | 'context_length' | 'stream_error' | 'stream_drop' | 'slow';

const SCENARIOS: readonly FakeScenario[] = ['ok', 'tools', '429', '500', '401', 'context_length', 'stream_error', 'stream_drop', 'slow'];

export const OPENAI_FIXTURES_DIR = join(__dirname, '..', '..', 'src', 'providers', 'openai', '__fixtures__');

export function readOpenAiFixture(name: string): string {
  return readFileSync(join(OPENAI_FIXTURES_DIR, name), 'utf8');
}

/** The `data:` payloads of a recorded SSE fixture, `[DONE]` included. */
export function sseFixtureEvents(name: string): string[] {
  return readOpenAiFixture(name)
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: any;
  rawBody: string;
  scenario: FakeScenario;
  /** Set when the gateway closed the connection before the response was complete. */
  aborted: boolean;
  finished: boolean;
}

export interface FakeOpenAiOptions {
  /** The only key accepted; anything else gets OpenAI's 401 body. */
  apiKey: string;
  /** Models that exist; others get OpenAI's 404 `model_not_found`. */
  models?: string[];
  retryAfterSeconds?: number;
  slowChunkDelayMs?: number;
}

export class FakeOpenAiUpstream {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private readonly queue: FakeScenario[] = [];
  private port = 0;

  constructor(private readonly options: FakeOpenAiOptions) {}

  /** Base URL including `/v1`, as OPENAI_BASE_URL expects. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    const listening = await listenOnLoopback((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error', param: null, code: null } }));
      });
    });
    this.server = listening.server;
    this.port = listening.port;
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** The next requests without another selector get these scenarios, in order. */
  enqueue(...scenarios: FakeScenario[]): void {
    this.queue.push(...scenarios);
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  /** Requests whose messages contain `marker`. */
  requestsContaining(marker: string): RecordedRequest[] {
    return this.requests.filter((r) => r.rawBody.includes(marker));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, rawBody, scenario: this.scenarioFor(req, body, rawBody), aborted: false, finished: false };
    this.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
    });
    res.on('finish', () => {
      recorded.finished = true;
    });

    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return this.error(res, 404, { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null });
    }
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}` || recorded.scenario === '401') {
      return this.errorFixture(res, 401, 'error.401.invalid-api-key.json');
    }
    if (body === undefined || typeof body !== 'object') {
      return this.error(res, 400, { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null });
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return this.error(res, 400, { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' });
    }
    if (body.stream_options != null && body.stream !== true) {
      return this.error(res, 400, { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", type: 'invalid_request_error', param: 'stream_options', code: null });
    }
    const model = String(body.model);
    if (this.options.models && !this.options.models.includes(model) && !model.startsWith('fake-')) {
      return this.error(res, 404, { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' });
    }

    switch (recorded.scenario) {
      case '429':
        res.setHeader('retry-after', String(this.options.retryAfterSeconds ?? 7));
        res.setHeader('x-ratelimit-limit-requests', '500');
        res.setHeader('x-ratelimit-remaining-requests', '0');
        return this.errorFixture(res, 429, 'error.429.rate-limit.json');
      case '500':
        return this.errorFixture(res, 500, 'error.500.server.json');
      case 'context_length':
        return this.errorFixture(res, 400, 'error.400.context-length.json');
      default:
        break;
    }

    if (body.stream !== true) {
      if (recorded.scenario === 'slow') await sleep((this.options.slowChunkDelayMs ?? 150) * 20);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json', 'openai-processing-ms': '321', 'x-request-id': 'req_fake' });
      res.end(readOpenAiFixture('chat.response.json'));
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    let events = sseFixtureEvents(recorded.scenario === 'tools' ? 'tool-calls.stream.sse' : 'chat.stream.sse');
    if (!includeUsage) {
      // Without include_usage OpenAI sends no usage chunk and no `usage` field at all.
      events = events.filter((e) => e === '[DONE]' || (JSON.parse(e) as { choices: unknown[] }).choices.length > 0).map((e) => (e === '[DONE]' ? e : JSON.stringify({ ...JSON.parse(e), usage: undefined })));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' });
    const write = (data: string) => writeSseData(res, data);

    if (recorded.scenario === 'stream_error' || recorded.scenario === 'stream_drop') {
      // role chunk + one content chunk ("Hello"), then the failure
      write(events[0]);
      write(events[1]);
      await sleep(30);
      if (recorded.scenario === 'stream_drop') {
        res.destroy();
        return;
      }
      write(JSON.stringify(JSON.parse(readOpenAiFixture('error.stream-event.json'))));
      res.end();
      return;
    }
    const delayMs = recorded.scenario === 'slow' ? (this.options.slowChunkDelayMs ?? 150) : 0;
    for (const event of events) {
      if (res.destroyed) return;
      write(event);
      if (delayMs) await sleep(delayMs);
    }
    res.end();
  }

  private scenarioFor(req: IncomingMessage, body: any, rawBody: string): FakeScenario {
    const header = req.headers['x-fake-scenario'];
    if (typeof header === 'string' && isScenario(header)) return header;
    const model = typeof body?.model === 'string' ? body.model : '';
    if (model.startsWith('fake-') && isScenario(model.slice(5))) return model.slice(5) as FakeScenario;
    const marker = /\[\[fake:([a-z0-9_]+)\]\]/.exec(rawBody);
    if (marker && isScenario(marker[1])) return marker[1];
    const queued = this.queue.shift();
    if (queued) return queued;
    return body?.stream === true && Array.isArray(body?.tools) && body.tools.length > 0 ? 'tools' : 'ok';
  }

  private errorFixture(res: ServerResponse, status: number, fixture: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
    res.end(readOpenAiFixture(fixture));
  }

  private error(res: ServerResponse, status: number, error: Record<string, unknown>): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error }));
  }
}

function isScenario(value: string): value is FakeScenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
