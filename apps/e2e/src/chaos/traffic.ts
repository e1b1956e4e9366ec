/**
 * Steady client traffic through the gateway, recording what each client saw. "Succeeded" is what a client would
 * trust: a 200 with the whole JSON body, or a stream that ended with `[DONE]` after a usage chunk carrying
 * `cost_micros` and no error. Everything else failed. The cost the client was told is kept for the money checks.
 */

export type RequestKind = 'json' | 'stream' | 'slow_stream';

export interface RequestRecord {
  seq: number;
  kind: RequestKind;
  startedMs: number;
  endedMs: number;
  /** `x-switchyard-request-id` (also the ledger hold id), when the response got that far. */
  requestId?: string;
  status?: number;
  result: 'succeeded' | 'failed';
  /** The `usage.cost_micros` the client received (successes always; a failed stream's error chunk may carry one). */
  reportedCostMicros?: bigint;
  error?: string;
  /** The connection broke (no error response, no error chunk): the gateway went away mid-answer. */
  cut?: boolean;
  /** A stream whose finish chunk (`finish_reason` stop/length) arrived: the client has the whole answer. */
  sawFinish?: boolean;
  /** The gateway took the connection and it broke before any response headers (not a refused connection). */
  brokeBeforeHeaders?: boolean;
}

export interface TrafficOptions {
  gatewayUrl: string;
  apiKey: string;
  model: string;
  workers: number;
  /** Pause between one worker's requests. */
  pauseMs: number;
  /** Client-side give-up time for one request. */
  requestTimeoutMs: number;
  /** Share of each kind, in turn: json, stream, slow_stream. */
  mix?: RequestKind[];
}

/** The `data:` payloads of an SSE text (comments and blank lines skipped). */
export function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim());
}

export class Traffic {
  readonly records: RequestRecord[] = [];
  private running = false;
  private seq = 0;
  private workers: Promise<void>[] = [];
  private readonly listeners = new Set<(record: RequestRecord) => void>();

  constructor(private readonly options: TrafficOptions) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.workers }, (_, i) => this.loop(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Called with every finished request (synchronously, as soon as the client has seen its end). */
  onFinished(listener: (record: RequestRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first success that started at or after `sinceMs`; rejects after `timeoutMs`. */
  async firstSuccessSince(sinceMs: number, timeoutMs: number): Promise<RequestRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find((r) => r.startedMs >= sinceMs && r.result === 'succeeded');
      if (found) return found;
      if (Date.now() > deadline) {
        const since = this.records.filter((r) => r.startedMs >= sinceMs);
        const errors = [...new Set(since.map((r) => `${r.status ?? '-'} ${r.error ?? ''}`.trim()))].slice(0, 5);
        throw new Error(`no request succeeded within ${timeoutMs} ms (${since.length} tried; errors: ${errors.join(' | ')})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async loop(worker: number): Promise<void> {
    const mix = this.options.mix ?? ['json', 'stream', 'slow_stream'];
    let turn = worker;
    while (this.running) {
      const kind = mix[turn++ % mix.length];
      const record = await this.one(kind);
      this.records.push(record);
      for (const listener of this.listeners) listener(record);
      // A refused connection fails at once: back off a little so an outage is not a busy loop.
      const pauseMs = record.result === 'failed' ? Math.max(this.options.pauseMs, 100) : this.options.pauseMs;
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  private async one(kind: RequestKind): Promise<RequestRecord> {
    const seq = ++this.seq;
    const startedMs = Date.now();
    const record: RequestRecord = { seq, kind, startedMs, endedMs: startedMs, result: 'failed' };
    const stream = kind !== 'json';
    // The fake upstream reads `[[fake:slow]]` from the prompt: a stream that takes a while (in flight during faults).
    const content = `${kind === 'slow_stream' ? '[[fake:slow]] ' : ''}chaos request ${seq}`;
    const body = { model: this.options.model, messages: [{ role: 'user', content }], max_tokens: 64, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
    try {
      const response = await fetch(`${this.options.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      record.status = response.status;
      record.requestId = response.headers.get('x-switchyard-request-id') ?? undefined;
      const text = await this.readAll(response, record);
      if (response.status !== 200) {
        record.error = `HTTP ${response.status}: ${text.slice(0, 160)}`;
      } else if (!stream) {
        const parsed = JSON.parse(text) as { usage?: { cost_micros?: string }; choices?: unknown[] };
        if (parsed.usage?.cost_micros !== undefined && parsed.choices?.length) {
          record.reportedCostMicros = BigInt(parsed.usage.cost_micros);
          record.result = 'succeeded';
        } else record.error = `incomplete body: ${text.slice(0, 160)}`;
      } else {
        this.judgeStream(text, record);
      }
    } catch (error) {
      record.error = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 200);
      record.cut = (error as Error).name !== 'TimeoutError';
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      record.brokeBeforeHeaders = record.cut && record.status === undefined && cause !== 'ECONNREFUSED';
      if (cause) record.error += ` (${cause})`;
    }
    record.endedMs = Date.now();
    return record;
  }

  /** The body; on a broken connection, what arrived is kept (a stream's finish chunk may be in it) before rethrowing. */
  private async readAll(response: Response, record: RequestRecord): Promise<string> {
    const decoder = new TextDecoder();
    let text = '';
    if (!response.body) return text;
    try {
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(bytes, { stream: true });
      return text;
    } catch (error) {
      record.sawFinish = sseData(text).some((d) => /"finish_reason":"(stop|length)"/.test(d));
      throw error;
    }
  }

  private judgeStream(text: string, record: RequestRecord): void {
    let done = false;
    let failed: string | undefined;
    for (const data of sseData(text)) {
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      let chunk: { error?: { message?: string }; usage?: { cost_micros?: string } | null; choices?: Array<{ finish_reason?: string | null }> };
      try {
        chunk = JSON.parse(data);
      } catch {
        failed = `unparsable chunk: ${data.slice(0, 80)}`;
        continue;
      }
      if (chunk.error) failed = `error chunk: ${chunk.error.message ?? ''}`.slice(0, 160);
      if (chunk.choices?.some((c) => c.finish_reason === 'error')) failed ??= 'finish_reason error';
      if (chunk.choices?.some((c) => c.finish_reason === 'stop' || c.finish_reason === 'length')) record.sawFinish = true;
      if (chunk.usage?.cost_micros !== undefined) record.reportedCostMicros = BigInt(chunk.usage.cost_micros);
    }
    if (failed) record.error = failed;
    else if (!done) record.error = 'stream ended without [DONE]';
    else if (record.reportedCostMicros === undefined) record.error = 'stream ended without usage';
    else record.result = 'succeeded';
  }
}
