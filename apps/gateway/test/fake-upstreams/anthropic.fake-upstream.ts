import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', '..', 'src', 'providers', 'anthropic', '__fixtures__');
const BODY_BYTES_MAX = 16 * 1_048_576;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

/** A canned answer: status, headers and the raw body (a fixture's bytes). */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface AnthropicFakeUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next request with this reply instead of the fixture the body selects. */
  enqueue(reply: FakeReply): void;
  close(): Promise<void>;
}

export const anthropicFixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

/**
 * Anthropic's Messages API on 127.0.0.1 (random port), answering POST /v1/messages from the recorded fixtures:
 * with tools and no tool_result yet → the tool_use answer, otherwise the text answer; streamed when the body
 * says `stream: true`. Every request is recorded.
 */
export async function startAnthropicFakeUpstream(): Promise<AnthropicFakeUpstream> {
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
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== '/v1/messages') return send(res, { status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"type":"error","error":{"type":"not_found_error","message":"Not found"}}') });
      const queued = queue.shift();
      if (queued) return send(res, queued);
      if (!Array.isArray(body.messages)) return send(res, { status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"type":"error","error":{"type":"invalid_request_error","message":"messages: Field required"}}') });
      const toolTurn = Array.isArray(body.tools) && body.tools.length > 0 && !hasToolResult(body.messages);
      if (body.stream === true) {
        const name = toolTurn ? 'messages.tool-use.stream.sse' : 'messages.stream.sse';
        return send(res, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }, body: anthropicFixture(name) }, true);
      }
      const name = toolTurn ? 'messages.tool-use.response.json' : 'messages.response.json';
      return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: anthropicFixture(name) });
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

function hasToolResult(messages: Array<{ content?: unknown }>): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((block: { type?: string }) => block?.type === 'tool_result'));
}

/** Streams are written in a few pieces, split mid-event, like a real network would deliver them. */
function send(res: import('node:http').ServerResponse, reply: FakeReply, chunked = false): void {
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
