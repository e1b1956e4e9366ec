import fc from 'fast-check';
import { type SseEvent, SseDecoder } from './sse-decoder';

const STREAM = [
  ': OPENROUTER PROCESSING',
  '',
  'data: {"choices":[{"delta":{"content":"Grüße, 世界 🚂"}}]}',
  '',
  'event: message',
  'id: 7',
  'data: first line',
  'data: second line',
  '',
  'data:{"no":"space"}',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const EXPECTED: SseEvent[] = [
  { data: '{"choices":[{"delta":{"content":"Grüße, 世界 🚂"}}]}' },
  { event: 'message', id: '7', data: 'first line\nsecond line' },
  { data: '{"no":"space"}' },
  { data: '[DONE]' },
];

function decodeInPieces(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  let previous = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    events.push(...decoder.push(bytes.subarray(previous, cut)));
    previous = cut;
  }
  events.push(...decoder.push(bytes.subarray(previous)));
  events.push(...decoder.end());
  return events;
}

describe('SseDecoder', () => {
  it('decodes a whole stream', () => {
    expect(decodeInPieces(Buffer.from(STREAM), [])).toEqual(EXPECTED);
  });

  it('decodes the same events however the bytes are split (inside UTF-8 sequences too)', () => {
    const bytes = Buffer.from(STREAM);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        expect(decodeInPieces(bytes, cuts)).toEqual(EXPECTED);
      }),
      { numRuns: 500 },
    );
  });

  it('handles CRLF and lone CR line endings split at every byte', () => {
    const crlf = Buffer.from(STREAM.replace(/\n/g, '\r\n'));
    const cr = Buffer.from(STREAM.replace(/\n/g, '\r'));
    for (const bytes of [crlf, cr]) {
      for (let cut = 0; cut <= bytes.length; cut++) expect(decodeInPieces(bytes, [cut])).toEqual(EXPECTED);
    }
  });

  it('dispatches an unterminated last event at end', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(Buffer.from('data: partial'))).toEqual([]);
    expect(decoder.end()).toEqual([{ data: 'partial' }]);
  });
});
