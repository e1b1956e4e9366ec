import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest, SignedReasoning, TokenUsage } from '@switchyard/contracts';
import { mulberry32, replayChunks, splitAtRandom } from '../../streaming/split-replay';
import type { CanonicalDelta, ToolCallDelta } from '../provider-adapter';
import { AnthropicAdapter } from './anthropic.adapter';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));
const REQUEST: ChatRequest = { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 };

const fakeHttp = replayChunks;

interface Collected {
  content: string;
  reasoning: string;
  toolCalls: Array<{ id?: string; name?: string; arguments: string }>;
  finish: string[];
  stopSequences: Array<string | undefined>;
  signed: SignedReasoning[];
  usage: TokenUsage[];
}

async function collect(chunks: Uint8Array[]): Promise<Collected> {
  const adapter = new AnthropicAdapter(fakeHttp(chunks).http, { apiKey: 'k', baseUrl: 'http://x', timeoutMs: 1_000 });
  const out: Collected = { content: '', reasoning: '', toolCalls: [], finish: [], stopSequences: [], signed: [], usage: [] };
  const deltas: CanonicalDelta[] = [];
  for await (const delta of adapter.stream(REQUEST, 'claude-sonnet-4-5', new AbortController().signal)) deltas.push(delta);
  for (const delta of deltas) {
    if (delta.type === 'content') out.content += delta.text;
    else if (delta.type === 'reasoning') out.reasoning += delta.text;
    else if (delta.type === 'finish') {
      out.finish.push(delta.finishReason);
      out.stopSequences.push(delta.stopSequence);
    } else if (delta.type === 'usage') out.usage.push(delta.usage);
    else if (delta.type === 'signed_reasoning') out.signed.push(delta.signed);
    else if (delta.type === 'tool_calls') for (const call of delta.toolCalls) merge(out.toolCalls, call);
  }
  expect(deltas[deltas.length - 1].type).toBe('usage');
  return out;
}

function merge(calls: Collected['toolCalls'], delta: ToolCallDelta): void {
  const call = (calls[delta.index] ??= { arguments: '' });
  if (delta.id) call.id = delta.id;
  if (delta.function?.name) call.name = delta.function.name;
  call.arguments += delta.function?.arguments ?? '';
}

describe('AnthropicAdapter.stream on recorded fixtures', () => {
  it('text stream: content, stop, one usage merged from message_start and message_delta', async () => {
    const out = await collect([fixture('messages.stream.sse')]);
    expect(out).toEqual({
      content: 'Hello! Bonjour — “Paris” is the capital of France 🇫🇷.',
      reasoning: '',
      toolCalls: [],
      finish: ['stop'],
      stopSequences: [undefined],
      signed: [],
      usage: [{ promptTokens: 472 + 2048, completionTokens: 17, cachedPromptTokens: 2048, cacheWriteTokens: 0, reasoningTokens: 0 }],
    });
  });

  it('tool_use stream: text then one tool call with the joined JSON input', async () => {
    const out = await collect([fixture('messages.tool-use.stream.sse')]);
    expect(out.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(out.toolCalls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' }]);
    expect(JSON.parse(out.toolCalls[0].arguments)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(out.finish).toEqual(['tool_calls']);
    expect(out.usage).toEqual([{ promptTokens: 598, completionTokens: 89, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }]);
  });

  it('thinking stream: thinking_delta → reasoning; the block and its signature sealed as signed reasoning at block stop', async () => {
    const out = await collect([fixture('messages.thinking.stream.sse')]);
    const thinking = 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0';
    expect(out.reasoning).toBe(thinking);
    expect(out.signed).toEqual([{ type: 'thinking', thinking, signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' }]);
    expect(out.content).toBe('The greatest common divisor of 1071 and 462 is **21**.');
    expect(out.usage[0].completionTokens).toBe(112);
  });

  it('thinking, redacted thinking and a tool call: each block signed in order, then the tool call', async () => {
    const out = await collect([fixture('messages.thinking-tool-use.stream.sse')]);
    expect(out.signed).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather in Paris; call get_weather.', signature: 'ErUBCkYIBhgCIkBthinkingSig0001' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
    expect(out.toolCalls).toEqual([{ id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location": "Paris"}' }]);
    expect(out.finish).toEqual(['tool_calls']);
  });

  it('a stop on a stop sequence says which one', async () => {
    const out = await collect([fixture('messages.stop-sequence.stream.sse')]);
    expect(out.content).toBe('1, 2, 3, ');
    expect(out.finish).toEqual(['stop']);
    expect(out.stopSequences).toEqual(['4']);
  });

  it.each(['messages.stream.sse', 'messages.tool-use.stream.sse', 'messages.thinking.stream.sse', 'messages.thinking-tool-use.stream.sse'])('%s split at random byte boundaries gives the same result', async (name) => {
    const bytes = fixture(name);
    const whole = await collect([bytes]);
    for (let seed = 1; seed <= 40; seed++) {
      expect(await collect(splitAtRandom(bytes, mulberry32(seed)))).toEqual(whole);
    }
    // and one byte at a time (splits every multi-byte UTF-8 character)
    expect(await collect([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('CRLF line endings decode the same', async () => {
    const crlf = Buffer.from(fixture('messages.tool-use.stream.sse').toString('utf8').replace(/\n/g, '\r\n'));
    expect(await collect(splitAtRandom(crlf, mulberry32(7)))).toEqual(await collect([fixture('messages.tool-use.stream.sse')]));
  });

  it('an error event mid-stream fails with the mapped error after the text so far', async () => {
    const adapter = new AnthropicAdapter(fakeHttp([fixture('messages.stream-error.sse')]).http, { apiKey: 'k', baseUrl: 'http://x', timeoutMs: 1_000 });
    const seen: CanonicalDelta[] = [];
    await expect(
      (async () => {
        for await (const delta of adapter.stream(REQUEST, 'm', new AbortController().signal)) seen.push(delta);
      })(),
    ).rejects.toMatchObject({ code: 'upstream_error', message: 'The provider is overloaded.' });
    expect(seen).toEqual([{ type: 'started' }, { type: 'content', text: 'Once upon' }]);
  });

  it('a stream cut before message_delta is an upstream error', async () => {
    const text = fixture('messages.stream.sse').toString('utf8');
    const cut = Buffer.from(text.slice(0, text.indexOf('event: message_delta')));
    await expect(collect([cut])).rejects.toMatchObject({ code: 'upstream_error' });
  });
});

describe('AnthropicAdapter HTTP', () => {
  it('posts to /v1/messages with x-api-key and anthropic-version, non-streaming', async () => {
    const { http, requests } = fakeHttp([fixture('messages.response.json')]);
    const adapter = new AnthropicAdapter(http, { apiKey: 'sk-ant-test', baseUrl: 'https://api.anthropic.com/', timeoutMs: 5_000 });
    const completion = await adapter.complete(REQUEST, 'claude-sonnet-4-5', new AbortController().signal);
    expect(completion.content).toBe('Hello! The capital of France is Paris.');
    expect(requests[0].url).toBe('https://api.anthropic.com/v1/messages');
    expect(requests[0].headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(requests[0].headers).not.toHaveProperty('authorization');
    expect(JSON.parse(requests[0].body)).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: false });
    expect(requests[0].timeoutMs).toBe(5_000);
  });

  it('maps HTTP errors with Retry-After', async () => {
    const { http } = fakeHttp([fixture('error.429.json')], 429, { 'retry-after': '3' });
    const adapter = new AnthropicAdapter(http, { apiKey: 'k', baseUrl: 'http://x', timeoutMs: 1_000 });
    await expect(adapter.complete(REQUEST, 'm', new AbortController().signal)).rejects.toMatchObject({ code: 'upstream_rate_limited', retryAfterMs: 3_000 });
  });
});
