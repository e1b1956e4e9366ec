import { Stream } from '@anthropic-ai/sdk/core/streaming';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { TokenUsage } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { EndpointPrice } from '@switchyard/pricing';
import type { AnswerDelta, ServedResponse, SseEvent } from '../../completion/response-surface';
import { fromAnthropicMessage } from '../../providers/anthropic/anthropic.response';
import { type AnthropicMessageBody, anthropicMessagesSurface, toStopReason } from './anthropic-messages.surface';

/** Sonnet 4.5 list prices. */
const PRICE: EndpointPrice = {
  modelId: 'anthropic/claude-sonnet-4-5',
  providerId: 'anthropic',
  upstreamModel: 'claude-sonnet-4-5',
  inputMicrosPerMtok: 3_000_000n,
  outputMicrosPerMtok: 15_000_000n,
  cacheReadMicrosPerMtok: 300_000n,
  cacheWriteMicrosPerMtok: 3_750_000n,
  reasoningMicrosPerMtok: 15_000_000n,
  requestMicros: 0n,
  imageMicros: 0n,
  contextTokensMax: 200_000,
  outputTokensMax: 64_000,
  supports: new Set(['tools']),
};
const SERVED: ServedResponse = {
  requestId: 'gen-abc123',
  created: 1_767_225_600,
  modelId: 'anthropic/claude-sonnet-4-5',
  providerId: 'anthropic',
  price: PRICE,
  markupBasisPoints: 0,
  promptTokensEstimate: 900,
  fees: { webSearchRequests: 0, webSearchFeeMicros: 5_000n },
  sources: [],
};
/** 412 uncached + 1024 cache reads + 256 cache writes, 61 out. */
const USAGE: TokenUsage = { promptTokens: 412 + 1024 + 256, completionTokens: 61, cachedPromptTokens: 1024, cacheWriteTokens: 256, reasoningTokens: 0 };
/** ceil(412 × 3 + 1024 × 0.3 + 256 × 3.75 + 61 × 15) µUSD = ceil(3418.2) */
const USAGE_BODY = { input_tokens: 412, output_tokens: 61, cache_read_input_tokens: 1024, cache_creation_input_tokens: 256, cost: '0.003419', cost_micros: '3419' };

function render(deltas: AnswerDelta[], end: (writer: ReturnType<typeof anthropicMessagesSurface.streamWriter>) => SseEvent[]): SseEvent[] {
  const writer = anthropicMessagesSurface.streamWriter(SERVED);
  return [...deltas.flatMap((delta) => writer.delta(delta)), ...end(writer)];
}

/** What the SDK reads: event name and payload type agree on every event, so the sequence is the list of names. */
function names(events: SseEvent[]): string[] {
  for (const { event, data } of events) expect((data as { type: string }).type).toBe(event);
  return events.map((e) => e.event as string);
}

function sseText(events: SseEvent[]): string {
  return events.map(({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

/** The official SDK's own SSE parser and message accumulator (what `messages.stream().finalMessage()` runs), fed from memory. */
async function sdkFinalMessage(events: SseEvent[]) {
  const response = new Response(': switchyard processing\n\n' + sseText(events), { headers: { 'content-type': 'text/event-stream' } });
  const stream = Stream.fromSSEResponse(response, new AbortController());
  return MessageStream.fromReadableStream(stream.toReadableStream()).finalMessage();
}

describe('anthropicMessagesSurface', () => {
  it('renders a Message with thinking, text and tool_use blocks (parsed input), stop reason and usage with cost', () => {
    const body = anthropicMessagesSurface.completionBody(SERVED, {
      content: 'Checking the weather.',
      reasoning: 'The user wants weather.',
      toolCalls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      finishReason: 'tool_calls',
      usage: USAGE,
    });
    expect(body).toEqual({
      id: 'msg_abc123',
      type: 'message',
      role: 'assistant',
      model: 'anthropic/claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'The user wants weather.', signature: '' },
        { type: 'text', text: 'Checking the weather.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: USAGE_BODY,
    });
  });

  it('adds request fees (web search) to the cost and reports the searches as server_tool_use', () => {
    const body = anthropicMessagesSurface.completionBody({ ...SERVED, fees: { webSearchRequests: 1, webSearchFeeMicros: 5_000n } }, { content: 'Hi.', finishReason: 'stop', usage: USAGE });
    expect(body).toMatchObject({ usage: { server_tool_use: { web_search_requests: 1 }, cost_micros: '8419', cost: '0.008419' } });
  });

  it('a stop on a known stop sequence is stop_sequence with the sequence, in the body and in message_delta', async () => {
    const body = anthropicMessagesSurface.completionBody(SERVED, { content: '1, 2, 3, ', finishReason: 'stop', stopSequence: '4', usage: USAGE });
    expect(body).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '4' });
    // Without the sequence (OpenAI, Gemini upstreams) nothing is guessed.
    expect(anthropicMessagesSurface.completionBody(SERVED, { content: 'x', finishReason: 'stop', usage: USAGE })).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });

    const events = render([{ type: 'content', text: '1, 2, 3, ' }, { type: 'finish', finishReason: 'stop', stopSequence: '4' }], (writer) => writer.finish(USAGE, 'stop'));
    expect(events.find((e) => e.event === 'message_delta')?.data).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: '4' } });
    const message = await sdkFinalMessage(events);
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '4' });
  });

  it('renders signed thinking and redacted thinking blocks verbatim, before text and tool_use', () => {
    const body = anthropicMessagesSurface.completionBody(SERVED, {
      content: null,
      reasoning: 'Call get_weather.',
      signedReasoning: [
        { type: 'thinking', thinking: 'Call get_weather.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'thought_signature', signature: 'gemini-sig', part: 'text' },
      ],
      toolCalls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      finishReason: 'tool_calls',
      usage: USAGE,
    }) as AnthropicMessageBody;
    expect(body.content).toEqual([
      { type: 'thinking', thinking: 'Call get_weather.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
  });

  it('an upstream answer that thinks between tool calls reaches the client in that order', () => {
    const blocks = [
      { type: 'thinking', thinking: 'Paris first.', signature: 'sig-1' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'thinking', thinking: 'Now Rome.', signature: 'sig-2' },
      { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Rome' } },
    ];
    const completion = fromAnthropicMessage({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: blocks,
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, output_tokens: 20 },
    });
    expect((anthropicMessagesSurface.completionBody(SERVED, completion) as { content: unknown[] }).content).toEqual(blocks);
  });

  it('streams a signature as signature_delta closing its thinking block, and a redacted block whole', async () => {
    const events = render(
      [
        { type: 'reasoning', text: 'First.' },
        { type: 'signed_reasoning', signed: { type: 'thinking', thinking: 'First.', signature: 'sig-1' } },
        { type: 'reasoning', text: 'Second.' },
        { type: 'signed_reasoning', signed: { type: 'thinking', thinking: 'Second.', signature: 'sig-2' } },
        { type: 'signed_reasoning', signed: { type: 'redacted_thinking', data: 'opaque' } },
        { type: 'content', text: 'Done.' },
        { type: 'finish', finishReason: 'stop' },
      ],
      (writer) => writer.finish(USAGE, 'stop'),
    );
    expect(names(events)).toEqual([
      'message_start',
      'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(events[1].data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(events[4].data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-1' } });
    expect(events[10].data).toEqual({ type: 'content_block_start', index: 2, content_block: { type: 'redacted_thinking', data: 'opaque' } });
    return sdkFinalMessage(events).then((message) =>
      expect(message.content).toEqual([
        { type: 'thinking', thinking: 'First.', signature: 'sig-1' },
        { type: 'thinking', thinking: 'Second.', signature: 'sig-2' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Done.' },
      ]),
    );
  });

  it('maps finish reasons to stop reasons', () => {
    expect(['stop', 'length', 'tool_calls', 'content_filter', 'error'].map((r) => toStopReason(r as never))).toEqual(['end_turn', 'max_tokens', 'tool_use', 'refusal', 'end_turn']);
  });

  it('streams text: message_start, content_block_start, ping, deltas, stop, message_delta with usage, message_stop', async () => {
    const events = render(
      [
        { type: 'content', text: '' },
        { type: 'content', text: 'Hello' },
        { type: 'content', text: ', world.' },
        { type: 'finish', finishReason: 'stop' },
      ],
      (writer) => writer.finish(USAGE, 'stop'),
    );
    expect(names(events)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events[0].data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_abc123',
        type: 'message',
        role: 'assistant',
        model: 'anthropic/claude-sonnet-4-5',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 900, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    expect(events[1].data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[3].data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    expect(events[5].data).toEqual({ type: 'content_block_stop', index: 0 });
    expect(events[6].data).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: USAGE_BODY });

    const message = await sdkFinalMessage(events);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello, world.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 412, output_tokens: 61, cache_read_input_tokens: 1024, cache_creation_input_tokens: 256 });
  });

  it('streams thinking, then text, then two tool calls as separate blocks with increasing indexes', async () => {
    const events = render(
      [
        { type: 'reasoning', text: 'Two cities' },
        { type: 'reasoning', text: ', two calls.' },
        { type: 'content', text: 'Checking.' },
        { type: 'tool_calls', toolCalls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { type: 'tool_calls', toolCalls: [{ index: 0, function: { arguments: '{"location":' } }] },
        { type: 'tool_calls', toolCalls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
        { type: 'tool_calls', toolCalls: [{ index: 1, function: { name: 'get_weather', arguments: '{"location":"Rome"}' } }] },
        { type: 'finish', finishReason: 'tool_calls' },
      ],
      (writer) => writer.finish(USAGE, undefined),
    );
    expect(names(events)).toEqual([
      'message_start',
      'content_block_start', // 0 thinking
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // 1 text
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // 2 tool_use
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start', // 3 tool_use (no id upstream: one is made)
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = events.map((e) => e.data as Record<string, any>);
    expect(data[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(data[3].delta).toEqual({ type: 'thinking_delta', thinking: 'Two cities' });
    expect(data.filter((d) => d.type === 'content_block_start').map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expect(data.filter((d) => d.type === 'content_block_stop').map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expect(data[9]).toEqual({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } });
    expect(data[10]).toEqual({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"location":' } });
    expect(data[13].content_block).toEqual({ type: 'tool_use', id: 'toolu_abc123_1', name: 'get_weather', input: {} });
    expect(data[16].delta.stop_reason).toBe('tool_use');

    const message = await sdkFinalMessage(events);
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Two cities, two calls.', signature: '' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'toolu_abc123_1', name: 'get_weather', input: { location: 'Rome' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('an answer with no content still opens and closes the message', () => {
    const events = render([], (writer) => writer.finish(USAGE, 'length'));
    expect(names(events)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect((events[1].data as { delta: { stop_reason: string } }).delta.stop_reason).toBe('max_tokens');
  });

  it('a failure after the stream opened is an error event in the Anthropic envelope, with the usage billed so far', async () => {
    const writer = anthropicMessagesSurface.streamWriter(SERVED);
    const events = [
      ...writer.delta({ type: 'content', text: 'Once upon' }),
      ...writer.fail(new AppError('upstream_error', 'The provider failed.', { details: { provider: 'anthropic', upstream_status: 529 } }), USAGE),
    ];
    expect(names(events)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(events[4].data).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'The provider failed.', code: 'upstream_error', metadata: { provider: 'anthropic', upstream_status: 529 } },
      request_id: 'gen-abc123',
      usage: USAGE_BODY,
    });
    await expect(sdkFinalMessage(events)).rejects.toMatchObject({ error: { type: 'error', error: { type: 'api_error' } } });
  });
});
