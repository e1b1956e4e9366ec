import type { ChatMessage, RequestContent } from '@switchyard/contracts';
import type { CanonicalCompletion, CanonicalDelta } from '../providers/provider-adapter';

/** Tool calls kept per answer; a bound like every other. */
const TOOL_CALLS_MAX = 128;

interface CapturedToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * The prompt and answer of one request whose workspace opted in to content logging, for `gateway.request.completed`.
 * Streams are assembled from the deltas (text and tool calls); collecting stops past the byte bound, and `toContent`
 * cuts what is over it (fair shares between prompt, completion and tool calls), ending each cut field with a marker.
 */
export class RequestContentCapture {
  private text = '';
  private readonly toolCalls = new Map<number, CapturedToolCall>();
  private toolCallChars = 0;
  private cutWhileCollecting = false;

  constructor(
    private readonly bytesMax: number,
    private readonly messages: readonly ChatMessage[],
  ) {}

  /** A whole answer (non-streamed). */
  completed(result: CanonicalCompletion): void {
    this.text = '';
    this.toolCalls.clear();
    this.toolCallChars = 0;
    this.appendText(result.content ?? '');
    (result.toolCalls ?? []).forEach((call, index) => this.mergeToolCall(index, call.id, call.function.name, call.function.arguments));
  }

  /** One streamed delta: text appended, tool-call pieces merged by index; usage, reasoning and finish ignored. */
  delta(delta: CanonicalDelta): void {
    if (delta.type === 'content') this.appendText(delta.text);
    else if (delta.type === 'tool_calls') for (const call of delta.toolCalls) this.mergeToolCall(call.index, call.id, call.function?.name, call.function?.arguments);
  }

  toContent(): RequestContent {
    const calls = [...this.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return boundContent({ prompt: JSON.stringify(this.messages), completion: this.text, toolCalls: calls.length > 0 ? JSON.stringify(calls) : null }, this.bytesMax, this.cutWhileCollecting);
  }

  // A UTF-16 code unit is at least one UTF-8 byte: past `bytesMax` units the text is over the bound anyway.
  private appendText(text: string): void {
    if (this.text.length > this.bytesMax) {
      if (text !== '') this.cutWhileCollecting = true;
      return;
    }
    this.text += text;
  }

  private mergeToolCall(index: number, id: string | undefined, name: string | undefined, args: string | undefined): void {
    let call = this.toolCalls.get(index);
    if (!call) {
      if (this.toolCalls.size >= TOOL_CALLS_MAX) {
        this.cutWhileCollecting = true;
        return;
      }
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      this.toolCalls.set(index, call);
    }
    if (this.toolCallChars > this.bytesMax) {
      this.cutWhileCollecting = true;
      return;
    }
    if (id) call.id = id;
    if (name) call.function.name += name;
    if (args) call.function.arguments += args;
    this.toolCallChars += (name?.length ?? 0) + (args?.length ?? 0);
  }
}

type ContentFields = Pick<RequestContent, 'prompt' | 'completion' | 'toolCalls'>;

/**
 * Cuts the fields so their sizes sum to at most `bytesMax`: a field under an equal share keeps everything, the others
 * split what is left; a cut field ends with a marker (inside its share). A field's size is its UTF-8 bytes once escaped
 * as a JSON string — what it weighs in the event (a prompt is JSON text, so its quotes double when escaped), so the
 * bound also holds the event under JetStream's message size.
 */
export function boundContent(fields: ContentFields, bytesMax: number, alreadyCut = false): RequestContent {
  const names = (['prompt', 'completion', 'toolCalls'] as const).filter((name) => fields[name] !== null);
  const sizes = new Map(names.map((name) => [name, escapedBytes(fields[name] as string)]));
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  if (total <= bytesMax && !alreadyCut) return { ...fields, truncated: false };
  const shares = new Map<(typeof names)[number], number>();
  let left = bytesMax;
  const bySize = [...names].sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0));
  bySize.forEach((name, position) => {
    const share = Math.min(sizes.get(name) ?? 0, Math.floor(left / (bySize.length - position)));
    shares.set(name, share);
    left -= share;
  });
  const bounded: RequestContent = { ...fields, truncated: true };
  for (const name of names) {
    const text = fields[name] as string;
    const share = shares.get(name) ?? 0;
    // A field collected only in part (the stream went on past the bound) is marked even when what was kept fits.
    const partial = alreadyCut && name !== 'prompt';
    if ((sizes.get(name) ?? 0) > share || partial) bounded[name] = cutEscaped(text, share);
  }
  return bounded;
}

/** UTF-8 bytes of `text` escaped as a JSON string, quotes left out; never less than its raw UTF-8 bytes. */
export function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** `text` cut (with the marker) so that its escaped size is at most `bytesMax`; a few shrinking passes at most. */
function cutEscaped(text: string, bytesMax: number): string {
  let rawBytesMax = bytesMax;
  for (let pass = 0; pass < 8; pass++) {
    const cut = cutUtf8(text, rawBytesMax);
    const size = escapedBytes(cut);
    if (size <= bytesMax) return cut;
    rawBytesMax = Math.floor((rawBytesMax * bytesMax) / size) - 1;
  }
  return cutUtf8(text, 0);
}

const MARKER = '…[truncated by Switchyard]';
const MARKER_BYTES = Buffer.byteLength(MARKER, 'utf8');

/** At most `bytesMax` UTF-8 bytes of `text`, marker included, never splitting a character. */
export function cutUtf8(text: string, bytesMax: number): string {
  const room = bytesMax - MARKER_BYTES;
  if (room <= 0) return MARKER.slice(0, Math.max(0, bytesMax));
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.min(room, bytes.length);
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + MARKER;
}
