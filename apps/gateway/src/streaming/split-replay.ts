import type { UpstreamHttpClient, UpstreamRequest, UpstreamResponse } from '../upstream/upstream-http.client';

/**
 * Test support (no I/O): replays recorded upstream bytes split at random boundaries, through an
 * UpstreamHttpClient stand-in, so decoders are exercised on every kind of chunking a network could produce.
 */

/** A deterministic PRNG (mulberry32) so a failing split can be reproduced from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chunk sizes of 1..24 bytes. */
const smallChunks = (random: () => number): number => 1 + Math.floor(random() * 24);

/** Splits bytes at random boundaries (including inside multi-byte UTF-8 sequences and `\n\n`). */
export function splitAtRandom(bytes: Buffer, random: () => number, chunkSize: (random: () => number) => number = smallChunks): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    const size = chunkSize(random);
    chunks.push(new Uint8Array(bytes.subarray(start, start + size)));
    start += size;
  }
  return chunks;
}

/** An upstream response whose body yields exactly these chunks. */
export function replayResponse(statusCode: number, chunks: Uint8Array[], headers: Record<string, string> = {}): UpstreamResponse {
  return {
    statusCode,
    headers,
    body: {
      async *[Symbol.asyncIterator]() {
        for (const chunk of chunks) yield chunk;
      },
      text: async () => Buffer.concat(chunks).toString('utf8'),
      json: async () => JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      dump: async () => undefined,
    },
  };
}

/** An UpstreamHttpClient stand-in: no network, answers every post with `reply()` and records what was sent. */
export function replayHttp(reply: () => UpstreamResponse): { http: UpstreamHttpClient; requests: UpstreamRequest[] } {
  const requests: UpstreamRequest[] = [];
  const http = {
    async post(input: UpstreamRequest) {
      requests.push(input);
      return reply();
    },
  } as unknown as UpstreamHttpClient;
  return { http, requests };
}

/** {@link replayHttp} answering every post with the same chunks, status and headers. */
export function replayChunks(chunks: Uint8Array[], statusCode = 200, headers: Record<string, string> = {}): { http: UpstreamHttpClient; requests: UpstreamRequest[] } {
  return replayHttp(() => replayResponse(statusCode, chunks, headers));
}
