import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { countTokens as countCl100kTokens } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
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
 *
 * The same server plays the OpenAI-compatible providers through its options: other fixtures per model (DeepSeek's
 * `reasoning_content`), parameters a model or provider refuses with a 400 (o-series `max_tokens`, Groq `logprobs`),
 * Groq's stream usage in `x_groq` with `stream_options` refused, and no key at all (a local server).
 * `POST /v1/embeddings` answers in OpenAI's wire format: deterministic vectors, `dimensions` and base64 honoured,
 * `prompt_tokens` counted with cl100k_base as OpenAI does for text-embedding-3.
 */
export type FakeScenario = 'ok' | 'tools' | '429' | '500' | '503' | '401' | 'context_length' | 'stream_error' | 'stream_error_before_content' | 'stream_drop' | 'slow' | 'hang';

const SCENARIOS: readonly FakeScenario[] = ['ok', 'tools', '429', '500', '503', '401', 'context_length', 'stream_error', 'stream_error_before_content', 'stream_drop', 'slow', 'hang'];

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

/** Fixture file names for one model: `response` (non-streaming JSON) and `stream` (SSE), read from `dir`. */
export interface FakeChatFixtures {
  dir?: string;
  response?: string;
  stream?: string;
}

export interface FakeOpenAiOptions {
  /** The only key accepted (anything else gets OpenAI's 401 body); absent: a local server that takes no key. */
  apiKey?: string;
  /** More keys accepted besides `apiKey` (e.g. a workspace's own key next to the operator's). */
  extraApiKeys?: string[];
  /** Fixtures per upstream model; `*` for every model not named. Default: the OpenAI fixtures. */
  chatFixtures?: Record<string, FakeChatFixtures>;
  /** Request fields refused with a 400 `unsupported_parameter`, for every model (`*`) or per upstream model. */
  rejectedParams?: Record<string, string[]>;
  /** Message fields refused with a 400 (Groq: `name`). */
  rejectedMessageFields?: string[];
  /** `x_groq`: `stream_options` is refused and a stream's usage rides on its last chunk in `x_groq.usage`; `always`: usage ends every stream (Mistral). */
  streamUsage?: 'stream_options' | 'x_groq' | 'always';
  /** Vector size when the request sets no `dimensions`. */
  embeddingDimensions?: number;
  /** Models that exist; others get OpenAI's 404 `model_not_found`. */
  models?: string[];
  retryAfterSeconds?: number;
  slowChunkDelayMs?: number;
  /** `hang`: how long the response headers are held back (default 60 s, i.e. until the gateway gives up). */
  hangMs?: number;
  /** Added before every answer (controllable latency); default 0. */
  latencyMs?: number;
}

export class FakeOpenAiUpstream {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private readonly queue: FakeScenario[] = [];
  private stickyScenario?: FakeScenario;
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
    this.stickyScenario = undefined;
  }

  /** Every later request without another selector (header, model, marker, queue) gets this scenario; undefined: back to `ok`. */
  setScenario(scenario: FakeScenario | undefined): void {
    this.stickyScenario = scenario;
  }

  private acceptsKey(authorization: string | undefined): boolean {
    return [this.options.apiKey, ...(this.options.extraApiKeys ?? [])].some((key) => key !== undefined && authorization === `Bearer ${key}`);
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

    if (req.method !== 'POST' || (req.url !== '/v1/chat/completions' && req.url !== '/v1/embeddings')) {
      return this.error(res, 404, { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null });
    }
    if ((this.options.apiKey !== undefined && !this.acceptsKey(req.headers.authorization)) || recorded.scenario === '401') {
      return this.errorFixture(res, 401, 'error.401.invalid-api-key.json');
    }
    if (req.url === '/v1/embeddings') return this.embeddings(res, body);
    if (body === undefined || typeof body !== 'object') {
      return this.error(res, 400, { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null });
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return this.error(res, 400, { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' });
    }
    if (body.stream_options != null && (body.stream !== true || this.options.streamUsage === 'x_groq')) {
      const message = this.options.streamUsage === 'x_groq' ? "property 'stream_options' is unsupported, did you mean 'stream'?" : "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
      return this.error(res, 400, { message, type: 'invalid_request_error', param: 'stream_options', code: null });
    }
    const model = String(body.model);
    if (this.options.models && !this.options.models.includes(model) && !model.startsWith('fake-')) {
      return this.error(res, 404, { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' });
    }
    const refused = [...(this.options.rejectedParams?.['*'] ?? []), ...(this.options.rejectedParams?.[model] ?? [])].find((param) => body[param] !== undefined);
    if (refused) {
      const hint = refused === 'max_tokens' ? " Use 'max_completion_tokens' instead." : '';
      return this.error(res, 400, { message: `Unsupported parameter: '${refused}' is not supported with this model.${hint}`, type: 'invalid_request_error', param: refused, code: 'unsupported_parameter' });
    }
    const refusedMessageField = (this.options.rejectedMessageFields ?? []).find((field) => body.messages.some((m: Record<string, unknown>) => m[field] !== undefined));
    if (refusedMessageField) {
      return this.error(res, 400, { message: `'messages.0' : property '${refusedMessageField}' is unsupported`, type: 'invalid_request_error', param: null, code: null });
    }
    const fixtures = { dir: OPENAI_FIXTURES_DIR, response: 'chat.response.json', stream: 'chat.stream.sse', ...(this.options.chatFixtures?.['*'] ?? {}), ...(this.options.chatFixtures?.[model] ?? {}) };
    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    if (recorded.scenario === 'hang') {
      await sleep(this.options.hangMs ?? 60_000, res);
      if (res.destroyed) return;
    }

    switch (recorded.scenario) {
      case '429':
        res.setHeader('retry-after', String(this.options.retryAfterSeconds ?? 7));
        res.setHeader('x-ratelimit-limit-requests', '500');
        res.setHeader('x-ratelimit-remaining-requests', '0');
        return this.errorFixture(res, 429, 'error.429.rate-limit.json');
      case '500':
        return this.errorFixture(res, 500, 'error.500.server.json');
      case '503':
        return this.error(res, 503, { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null });
      case 'context_length':
        return this.errorFixture(res, 400, 'error.400.context-length.json');
      default:
        break;
    }

    if (body.stream !== true) {
      if (recorded.scenario === 'slow') await sleep((this.options.slowChunkDelayMs ?? 150) * 20);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json', 'openai-processing-ms': '321', 'x-request-id': 'req_fake' });
      res.end(readFileSync(join(fixtures.dir, fixtures.response)));
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    let events = recorded.scenario === 'tools' ? sseFixtureEvents('tool-calls.stream.sse') : sseEvents(readFileSync(join(fixtures.dir, fixtures.stream), 'utf8'));
    if (this.options.streamUsage === 'x_groq') events = usageInXGroq(events);
    else if (!includeUsage && this.options.streamUsage !== 'always') {
      // Without include_usage OpenAI sends no usage chunk and no `usage` field at all.
      events = events.filter((e) => e === '[DONE]' || (JSON.parse(e) as { choices: unknown[] }).choices.length > 0).map((e) => (e === '[DONE]' ? e : JSON.stringify({ ...JSON.parse(e), usage: undefined })));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' });
    const write = (data: string) => writeSseData(res, data);

    if (recorded.scenario === 'stream_error' || recorded.scenario === 'stream_drop' || recorded.scenario === 'stream_error_before_content') {
      // role chunk + one content chunk ("Hello"), then the failure; before_content: the role chunk alone
      write(events[0]);
      if (recorded.scenario !== 'stream_error_before_content') write(events[1]);
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
    if (this.stickyScenario) return this.stickyScenario;
    return body?.stream === true && Array.isArray(body?.tools) && body.tools.length > 0 ? 'tools' : 'ok';
  }

  /** OpenAI's embeddings response: one vector per input, float or base64 (little-endian float32), usage in cl100k tokens. */
  private embeddings(res: ServerResponse, body: any): void {
    const input: unknown = body?.input;
    const inputs: Array<string | number[]> = typeof input === 'string' ? [input] : Array.isArray(input) && typeof input[0] === 'number' ? [input as number[]] : Array.isArray(input) ? (input as Array<string | number[]>) : [];
    if (inputs.length === 0 || inputs.some((item) => item === '' || (Array.isArray(item) && item.length === 0))) {
      return this.error(res, 400, { message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", type: 'invalid_request_error', param: null, code: null });
    }
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : (this.options.embeddingDimensions ?? 1536);
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((item, index) => {
      const vector = fakeEmbedding(typeof item === 'string' ? item : item.join(','), dimensions);
      return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
    });
    const promptTokens = inputs.reduce((sum, item) => sum + (typeof item === 'string' ? countCl100kTokens(item) : item.length), 0);
    res.writeHead(200, { 'content-type': 'application/json', 'openai-model': String(body.model), 'x-request-id': 'req_fake' });
    res.end(JSON.stringify({ object: 'list', data, model: String(body.model), usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }));
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

/** The `data:` payloads of an SSE body, `[DONE]` included. */
function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/** Groq's stream shape: no usage-only chunk; the usage rides on the finishing chunk as `x_groq.usage`. */
function usageInXGroq(events: string[]): string[] {
  const parsed = events.map((e) => (e === '[DONE]' ? e : (JSON.parse(e) as { choices: Array<{ finish_reason: string | null }>; usage?: unknown; x_groq?: unknown })));
  const usageChunk = parsed.find((e) => e !== '[DONE]' && e.choices.length === 0 && e.usage);
  const usage = usageChunk && usageChunk !== '[DONE]' ? usageChunk.usage : undefined;
  return parsed
    .filter((e) => e !== usageChunk)
    .map((e) => {
      if (e === '[DONE]') return e;
      const { usage: _dropped, ...rest } = e;
      return JSON.stringify(e.choices.some((c) => c.finish_reason) ? { ...rest, x_groq: { id: 'req_fake_groq', usage } } : rest);
    });
}

/** A unit vector derived from the text (same text, same vector), like a real embedding in shape. */
function fakeEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) values.push(digest.readInt16LE(i) / 32_768);
  }
  const norm = Math.sqrt(values.reduce((sum, x) => sum + x * x, 0)) || 1;
  return values.map((x) => Math.fround(x / norm));
}

function isScenario(value: string): value is FakeScenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** Waits `ms`, or less when `res` (given) closes first: a hung answer ends when the gateway gives up. */
function sleep(ms: number, res?: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res?.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
