import type { FastifyReply } from 'fastify';
import type { SseEvent } from '../completion/response-surface';

export const PROCESSING_COMMENT = ': switchyard processing\n\n';

/**
 * Up to this many open streams in the process, a stream's first events are flushed at once (see flush()); with
 * more, they go out with the rest of their tick's writes: the loop is shared then, and one write per stream fewer
 * was worth ~10 % of c64-sse throughput on the bench machine (bench/README.md).
 */
const FLUSH_FIRST_EVENTS_OPEN_STREAMS_MAX = 4;
let openStreams = 0;

/**
 * An SSE response on `reply.raw`. Nothing is written until `open()` (first token, or the first keep-alive
 * tick), so errors before that still get a real HTTP status. The opening bytes leave with the first events, at
 * once while few streams are open; later events written in the same tick go out together (one syscall).
 */
export class SseResponse {
  private opened = false;
  private eventsSent = false;
  private timer?: NodeJS.Timeout;
  private lastWriteMs = 0;

  constructor(
    private readonly reply: FastifyReply,
    private readonly keepAliveMs: number,
    /** Off for clients whose SSE parser chokes on comment lines; the stream then opens with the first event. */
    private readonly keepAliveComments = true,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** True once the client went away (or the response ended). */
  get isClosed(): boolean {
    return this.reply.raw.destroyed || this.reply.raw.writableEnded;
  }

  /** Keep-alive comments every `keepAliveMs` of silence; the first tick opens the stream with `headers()`. */
  startKeepAlive(headers: () => Record<string, string>): void {
    if (!this.keepAliveComments) return;
    this.timer = setInterval(() => {
      if (this.isClosed) return;
      if (!this.opened) {
        this.open(headers());
        return;
      }
      if (Date.now() - this.lastWriteMs >= this.keepAliveMs) this.write(PROCESSING_COMMENT);
    }, this.keepAliveMs);
    this.timer.unref();
  }

  /** Commits status 200 and headers, then the processing comment (always before the first token). */
  open(headers: Record<string, string>): void {
    if (this.opened) return;
    this.opened = true;
    this.reply.hijack();
    const raw = this.reply.raw;
    // A client already gone would never emit 'close' again: counted, its stream would stay open here for good.
    if (!raw.destroyed) {
      openStreams++;
      raw.once('close', () => openStreams--);
    }
    for (const [name, value] of Object.entries(this.reply.getHeaders())) {
      if (value !== undefined && !raw.hasHeader(name)) raw.setHeader(name, value as string);
    }
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    if (this.keepAliveComments) this.write(PROCESSING_COMMENT);
  }

  /** Writes events (one write); waits for drain under backpressure so a slow client bounds our memory. */
  async sendAll(events: SseEvent[]): Promise<void> {
    if (events.length === 0) return;
    let text = '';
    for (const { event, data } of events) text += `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
    const writable = this.write(text);
    if (!this.eventsSent) {
      this.eventsSent = true;
      if (openStreams <= FLUSH_FIRST_EVENTS_OPEN_STREAMS_MAX) this.flush();
    }
    if (!writable) await this.drained();
  }

  /** Ends an open stream, after the surface's terminator (OpenAI's `[DONE]`); an unopened one is left to the HTTP error path. */
  end(terminator: string | null): void {
    this.stopKeepAlive();
    if (!this.opened || this.isClosed) return;
    if (terminator) this.write(terminator);
    this.reply.raw.end();
  }

  stopKeepAlive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private write(text: string): boolean {
    if (this.isClosed) return true;
    this.lastWriteMs = Date.now();
    return this.reply.raw.write(text);
  }

  /**
   * Node corks a response's socket on its first write in a tick and uncorks on the next tick, which comes only
   * after every queued promise job: a provider's burst of buffered chunks would all be translated before the
   * first byte left. Uncorking now sends what is written so far.
   */
  private flush(): void {
    const socket = this.reply.raw.socket;
    if (socket?.writableCorked) socket.uncork();
  }

  private drained(): Promise<void> {
    const raw = this.reply.raw;
    return new Promise((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        resolve();
      };
      raw.once('drain', done);
      raw.once('close', done);
    });
  }
}
