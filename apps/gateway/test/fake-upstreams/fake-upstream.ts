import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The scaffolding every fake provider upstream shares: an HTTP server on 127.0.0.1 (random port), request
 * bodies read and parsed, requests recorded, replies queued, and replies / SSE written like a network would.
 * Each provider's file keeps only its own wire format.
 */

const BODY_BYTES_MAX = 16 * 1_048_576;

/** A canned answer: status, headers and the raw body (a fixture's bytes). */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ListeningServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at a random port; `close()` drops open connections and stops listening. */
export async function listenOnLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<ListeningServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

export function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

export interface FakeUpstream<R> {
  url: string;
  requests: R[];
  /** Answers the next request with this reply instead of the fixture the body selects. */
  enqueue(reply: FakeReply): void;
  close(): Promise<void>;
}

/** What a provider's wire format makes of one request: what to record, what to answer, and whether to stream it in pieces. */
export interface FakeExchange<R> {
  recorded: R;
  reply: FakeReply;
  chunked?: boolean;
}

/**
 * A fake upstream whose provider-specific part is `handle`: given the request and its JSON body (`{}` when it was not
 * JSON), it returns the record and the reply; `dequeue()` takes the next reply queued with `enqueue()`, if any.
 * Bodies over 16 MiB get the connection destroyed.
 */
export async function startFakeUpstream<R>(handle: (req: IncomingMessage, body: Record<string, any>, dequeue: () => FakeReply | undefined) => FakeExchange<R>): Promise<FakeUpstream<R>> {
  const requests: R[] = [];
  const queue: FakeReply[] = [];
  const dequeue = () => queue.shift();
  const listening = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_BYTES_MAX) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      } catch {
        // recorded as {}; the provider answers it
      }
      const { recorded, reply, chunked } = handle(req, body, dequeue);
      requests.push(recorded);
      sendReply(res, reply, chunked);
    });
  });
  return { url: listening.url, requests, enqueue: (reply) => queue.push(reply), close: listening.close };
}

/** Writes a reply; `chunked` streams it in a few pieces, split mid-event, like a real network would deliver them. */
export function sendReply(res: ServerResponse, reply: FakeReply, chunked = false): void {
  res.writeHead(reply.status, reply.headers);
  if (!chunked) {
    res.end(reply.body);
    return;
  }
  const pieces = [reply.body.subarray(0, 97), reply.body.subarray(97, 401), reply.body.subarray(401)];
  let i = 0;
  const next = () => {
    if (i === pieces.length - 1) return void res.end(pieces[i]);
    res.write(pieces[i++]);
    setTimeout(next, 5);
  };
  next();
}

/** Writes one SSE `data:` event. */
export function writeSseData(res: ServerResponse, data: string): boolean {
  return res.write(`data: ${data}\n\n`);
}
