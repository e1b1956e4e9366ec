/** One server-sent event (comments dropped). */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

const EVENT_BYTES_MAX = 8 * 1_048_576;

/**
 * An incremental SSE decoder (WHATWG event-stream rules): bytes in any split, UTF-8 decoded across chunk
 * boundaries, lines ending in CRLF, LF or CR, events dispatched on a blank line, `data:` lines joined by LF.
 */
export class SseDecoder {
  private readonly text = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private pendingCr = false;

  push(chunk: Uint8Array): SseEvent[] {
    return this.consume(this.text.decode(chunk, { stream: true }));
  }

  /** Flushes the decoder; an unterminated last event is dispatched (lenient, as browsers are not). */
  end(): SseEvent[] {
    const events = this.consume(this.text.decode());
    if (this.buffer !== '') events.push(...this.line(this.buffer));
    this.buffer = '';
    const last = this.dispatch();
    if (last) events.push(last);
    return events;
  }

  private consume(input: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = input;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    if (this.buffer.length > EVENT_BYTES_MAX) throw new Error(`SSE line longer than ${EVENT_BYTES_MAX} characters`);
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      events.push(...this.line(this.buffer.slice(start, i)));
      if (ch === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): SseEvent[] {
    if (line === '') {
      const event = this.dispatch();
      return event ? [event] : [];
    }
    if (line.startsWith(':')) return [];
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    return [];
  }

  private dispatch(): SseEvent | undefined {
    if (this.data.length === 0) {
      this.event = undefined;
      this.id = undefined;
      return undefined;
    }
    const event: SseEvent = { data: this.data.join('\n') };
    if (this.event !== undefined) event.event = this.event;
    if (this.id !== undefined) event.id = this.id;
    this.data = [];
    this.event = undefined;
    this.id = undefined;
    return event;
  }
}
