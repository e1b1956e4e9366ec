import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { type FakeExchange, type FakeReply, type FakeUpstream, startFakeUpstream } from './fake-upstream';

export type { FakeReply } from './fake-upstream';

const FIXTURES = join(__dirname, '..', '..', 'src', 'providers', 'anthropic', '__fixtures__');

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

export type AnthropicFakeUpstream = FakeUpstream<RecordedRequest>;

export const anthropicFixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

/**
 * Anthropic's Messages API on 127.0.0.1 (random port), answering POST /v1/messages from the recorded fixtures:
 * with tools and no tool_result yet → the tool_use answer, otherwise the text answer; streamed when the body
 * says `stream: true`. Every request is recorded.
 */
export function startAnthropicFakeUpstream(): Promise<AnthropicFakeUpstream> {
  return startFakeUpstream<RecordedRequest>((req, body, dequeue) => {
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    const answer = (reply: FakeReply, chunked = false): FakeExchange<RecordedRequest> => ({ recorded, reply, chunked });
    if (req.method !== 'POST' || req.url !== '/v1/messages') return answer({ status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"type":"error","error":{"type":"not_found_error","message":"Not found"}}') });
    const queued = dequeue();
    if (queued) return answer(queued);
    if (!Array.isArray(body.messages)) return answer({ status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"type":"error","error":{"type":"invalid_request_error","message":"messages: Field required"}}') });
    const toolTurn = Array.isArray(body.tools) && body.tools.length > 0 && !hasToolResult(body.messages);
    if (body.stream === true) {
      const name = toolTurn ? 'messages.tool-use.stream.sse' : 'messages.stream.sse';
      return answer({ status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }, body: anthropicFixture(name) }, true);
    }
    const name = toolTurn ? 'messages.tool-use.response.json' : 'messages.response.json';
    return answer({ status: 200, headers: { 'content-type': 'application/json' }, body: anthropicFixture(name) });
  });
}

function hasToolResult(messages: Array<{ content?: unknown }>): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((block: { type?: string }) => block?.type === 'tool_result'));
}
