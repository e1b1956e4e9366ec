import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', '..', 'src', 'providers', 'gemini', '__fixtures__');
const BODY_BYTES_MAX = 16 * 1_048_576;
const PATH = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent)(\?.*)?$/;

export interface RecordedRequest {
  method: string;
  url: string;
  /** The model named in the path. */
  model: string | undefined;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

/** A canned answer: status, headers and the raw body (a fixture's bytes). */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface GeminiFakeUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next request with this reply instead of the fixture the body selects. */
  enqueue(reply: FakeReply): void;
  close(): Promise<void>;
}

export const geminiFixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const json = (status: number, body: string): FakeReply => ({ status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: Buffer.from(body) });

/**
 * The Gemini API on 127.0.0.1 (random port): POST /v1beta/models/{model}:generateContent and
 * :streamGenerateContent?alt=sse, answered from the recorded fixtures — with tools and no functionResponse yet → the
 * function call answer, otherwise the text answer. Every request is recorded.
 */
export async function startGeminiFakeUpstream(): Promise<GeminiFakeUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  const server: Server = createServer((req, res) => {
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
        // recorded as {}; answered 400 below
      }
      const match = PATH.exec(req.url ?? '');
      requests.push({ method: req.method ?? '', url: req.url ?? '', model: match?.[1], headers: req.headers, body });
      if (req.method !== 'POST' || !match) return send(res, json(404, '{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}'));
      const stream = match[2] === 'streamGenerateContent';
      if (stream && match[3] !== '?alt=sse') return send(res, json(400, '{"error":{"code":400,"message":"this fake only speaks alt=sse","status":"INVALID_ARGUMENT"}}'));
      const queued = queue.shift();
      if (queued) return send(res, queued);
      if (req.headers['x-goog-api-key'] === undefined) return send(res, json(403, geminiFixture('error.403.json').toString('utf8')));
      if (!Array.isArray(body.contents) || body.contents.length === 0) return send(res, json(400, geminiFixture('error.400.json').toString('utf8')));
      const toolTurn = Array.isArray(body.tools) && body.tools.length > 0 && !hasFunctionResponse(body.contents);
      if (stream) {
        const name = toolTurn ? 'stream-generate-content.function-call.sse' : 'stream-generate-content.sse';
        return send(res, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: geminiFixture(name) }, true);
      }
      const name = toolTurn ? 'generate-content.function-call.response.json' : 'generate-content.response.json';
      return send(res, { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: geminiFixture(name) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (reply) => queue.push(reply),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function hasFunctionResponse(contents: Array<{ parts?: unknown }>): boolean {
  return contents.some((c) => Array.isArray(c.parts) && c.parts.some((part: { functionResponse?: unknown }) => part?.functionResponse !== undefined));
}

/** Streams are written in a few pieces, split mid-event, like a real network would deliver them. */
function send(res: ServerResponse, reply: FakeReply, chunked = false): void {
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
