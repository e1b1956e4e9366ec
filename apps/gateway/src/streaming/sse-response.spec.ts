import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { SseResponse } from './sse-response';

const BUSY_MS = 400;

/** A client in its own process, so it reads while the server's event loop is busy: when did which bytes arrive. */
const CLIENT = `
const http = require('node:http');
const t0 = performance.now();
const seen = {};
http.get(process.argv[1], (res) => {
  let text = '';
  res.on('data', (chunk) => {
    text += chunk;
    const at = performance.now() - t0;
    if (seen.firstByteMs === undefined) seen.firstByteMs = at;
    if (seen.firstEventMs === undefined && text.includes('"n":1')) seen.firstEventMs = at;
    if (seen.lastEventMs === undefined && text.includes('"n":3')) seen.lastEventMs = at;
  });
  res.on('end', () => console.log(JSON.stringify({ ...seen, text })));
});
`;

function fetchInOtherProcess(url: string): Promise<{ firstByteMs: number; firstEventMs: number; lastEventMs: number; text: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', CLIENT, url], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))));
  });
}

describe('SseResponse: the first bytes of a stream are not held back', () => {
  let app: FastifyInstance;
  let url: string;
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let openedAfterLeaving = 0;

  beforeAll(async () => {
    app = Fastify();
    app.get('/stream', async (_request, reply) => {
      // As in the pipeline, the stream opens in a promise continuation (after the provider's answer arrived).
      await Promise.resolve();
      const sse = new SseResponse(reply, 15_000);
      sse.open({ 'x-test': '1' });
      await sse.sendAll([{ data: { n: 1 } }]);
      // Translating a provider's burst of already-buffered chunks runs as one chain of promise jobs: Node's
      // tick-long cork on the socket would hold back what was written until all of it is done.
      const until = performance.now() + BUSY_MS;
      while (performance.now() < until);
      await sse.sendAll([{ data: { n: 2 } }]);
      await sse.sendAll([{ data: { n: 3 } }]);
      sse.end('data: [DONE]\n\n');
    });
    // A stream that stays open until the test ends (the load other streams share the process with).
    app.get('/held', async (_request, reply) => {
      const sse = new SseResponse(reply, 15_000);
      sse.open({});
      await sse.sendAll([{ data: { held: true } }]);
      await held;
      sse.end('data: [DONE]\n\n');
    });
    // A stream whose client left before it opened (the provider answered just as the client went away).
    app.get('/gone', async (_request, reply) => {
      if (!reply.raw.destroyed) await new Promise((resolve) => reply.raw.once('close', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      new SseResponse(reply, 15_000).open({});
      openedAfterLeaving++;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/stream`;
  });

  afterAll(async () => {
    releaseHeld();
    await app.close();
  });

  it('sends the opening comment and the first event before the rest of a burst is processed', async () => {
    const seen = await fetchInOtherProcess(url);
    expect(seen.text).toBe(': switchyard processing\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: [DONE]\n\n');
    // Held back, both would arrive together with the last event, after the busy stretch.
    expect(seen.lastEventMs - seen.firstByteMs).toBeGreaterThan(BUSY_MS * 0.75);
    expect(seen.lastEventMs - seen.firstEventMs).toBeGreaterThan(BUSY_MS * 0.75);
  });

  it('with more than 4 streams open, the first event goes out with the rest of its tick (one write fewer per stream)', async () => {
    const base = url.replace(/\/stream$/, '');
    const readers = await Promise.all(Array.from({ length: 4 }, async () => (await fetch(`${base}/held`)).body!.getReader()));
    await Promise.all(readers.map((reader) => reader.read()));
    const seen = await fetchInOtherProcess(url);
    expect(seen.text).toBe(': switchyard processing\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: [DONE]\n\n');
    expect(seen.lastEventMs - seen.firstEventMs).toBeLessThan(BUSY_MS / 2);
    releaseHeld();
    const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
      while (!(await reader.read()).done);
    };
    await Promise.all(readers.map(drain));
  });

  it('streams opened for clients already gone are not counted open: the next stream still sends its first event at once', async () => {
    const base = url.replace(/\/stream$/, '');
    for (let i = 0; i < 5; i++) {
      const leaving = new AbortController();
      const pending = fetch(`${base}/gone`, { signal: leaving.signal }).catch(() => undefined);
      setTimeout(() => leaving.abort(), 30);
      await pending;
    }
    while (openedAfterLeaving < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    const seen = await fetchInOtherProcess(url);
    expect(seen.lastEventMs - seen.firstEventMs).toBeGreaterThan(BUSY_MS * 0.75);
  });
});
