import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { type FakeExchange, type FakeReply, type FakeUpstream, startFakeUpstream } from './fake-upstream';

export type { FakeReply } from './fake-upstream';

const FIXTURES = join(__dirname, '..', '..', 'src', 'providers', 'gemini', '__fixtures__');
const PATH = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent)(\?.*)?$/;

export interface RecordedRequest {
  method: string;
  url: string;
  /** The model named in the path. */
  model: string | undefined;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

export type GeminiFakeUpstream = FakeUpstream<RecordedRequest>;

export const geminiFixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const json = (status: number, body: string): FakeReply => ({ status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: Buffer.from(body) });

/**
 * The Gemini API on 127.0.0.1 (random port): POST /v1beta/models/{model}:generateContent and
 * :streamGenerateContent?alt=sse, answered from the recorded fixtures — with tools and no functionResponse yet → the
 * function call answer, otherwise the text answer. Every request is recorded.
 */
export function startGeminiFakeUpstream(): Promise<GeminiFakeUpstream> {
  return startFakeUpstream<RecordedRequest>((req, body, dequeue) => {
    const match = PATH.exec(req.url ?? '');
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', model: match?.[1], headers: req.headers, body };
    const answer = (reply: FakeReply, chunked = false): FakeExchange<RecordedRequest> => ({ recorded, reply, chunked });
    if (req.method !== 'POST' || !match) return answer(json(404, '{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}'));
    const stream = match[2] === 'streamGenerateContent';
    if (stream && match[3] !== '?alt=sse') return answer(json(400, '{"error":{"code":400,"message":"this fake only speaks alt=sse","status":"INVALID_ARGUMENT"}}'));
    const queued = dequeue();
    if (queued) return answer(queued);
    if (req.headers['x-goog-api-key'] === undefined) return answer(json(403, geminiFixture('error.403.json').toString('utf8')));
    if (!Array.isArray(body.contents) || body.contents.length === 0) return answer(json(400, geminiFixture('error.400.json').toString('utf8')));
    const toolTurn = Array.isArray(body.tools) && body.tools.length > 0 && !hasFunctionResponse(body.contents);
    if (stream) {
      const name = toolTurn ? 'stream-generate-content.function-call.sse' : 'stream-generate-content.sse';
      return answer({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: geminiFixture(name) }, true);
    }
    const name = toolTurn ? 'generate-content.function-call.response.json' : 'generate-content.response.json';
    return answer({ status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: geminiFixture(name) });
  });
}

function hasFunctionResponse(contents: Array<{ parts?: unknown }>): boolean {
  return contents.some((c) => Array.isArray(c.parts) && c.parts.some((part: { functionResponse?: unknown }) => part?.functionResponse !== undefined));
}
