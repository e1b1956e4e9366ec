import { type ChatRequest, ChatRequestSchema } from '@switchyard/contracts';
import { countTokens, encode } from 'gpt-tokenizer';
import type { CanonicalDelta } from '../provider-adapter';
import { DemoAdapter } from './demo.adapter';

const request = (body: Record<string, unknown> = {}): ChatRequest =>
  ChatRequestSchema.parse({ model: 'demo/echo', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Hello, Switchyard — ünïcödé 🚂' }], ...body });

async function collect(stream: AsyncIterable<CanonicalDelta>): Promise<CanonicalDelta[]> {
  const deltas: CanonicalDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

describe('DemoAdapter', () => {
  const adapter = new DemoAdapter();
  const signal = new AbortController().signal;

  it('echoes the last user message deterministically', async () => {
    const a = await adapter.complete(request(), 'demo-echo', signal);
    const b = await adapter.complete(request(), 'demo-echo', signal);
    expect(a).toEqual(b);
    expect(a.content?.startsWith('Echo: Hello, Switchyard — ünïcödé 🚂')).toBe(true);
    expect(a.finishReason).toBe('stop');
  });

  it('reports real token counts: completion from the produced text, prompt from the messages', async () => {
    const result = await adapter.complete(request(), 'demo-echo', signal);
    expect(result.usage.completionTokens).toBe(countTokens(result.content ?? ''));
    expect(result.usage.completionTokens).toBeGreaterThan(10);
    const textTokens = countTokens('be brief') + countTokens('Hello, Switchyard — ünïcödé 🚂');
    expect(result.usage.promptTokens).toBeGreaterThan(textTokens);
    expect(result.usage.promptTokens).toBeLessThan(textTokens + 20);
    const longer = await adapter.complete(request({ messages: [{ role: 'user', content: 'word '.repeat(200) }] }), 'demo-echo', signal);
    expect(longer.usage.promptTokens).toBeGreaterThan(result.usage.promptTokens);
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const result = await adapter.complete(request({ max_tokens: 5 }), 'demo-echo', signal);
    expect(result.usage.completionTokens).toBe(5);
    expect(encode(result.content ?? '').length).toBeLessThanOrEqual(5);
    expect(result.finishReason).toBe('length');
  });

  it('streams the same text in several chunks, then finish, then usage', async () => {
    const whole = await adapter.complete(request(), 'demo-echo', signal);
    const deltas = await collect(adapter.stream(request(), 'demo-echo', signal));
    const contents = deltas.filter((d): d is Extract<CanonicalDelta, { type: 'content' }> => d.type === 'content');
    expect(contents.length).toBeGreaterThanOrEqual(3);
    expect(contents.map((d) => d.text).join('')).toBe(whole.content);
    expect(deltas.at(-2)).toEqual({ type: 'finish', finishReason: 'stop' });
    expect(deltas.at(-1)).toEqual({ type: 'usage', usage: whole.usage });
  });

  it('stops streaming when aborted', async () => {
    const controller = new AbortController();
    const iterator = adapter.stream(request(), 'demo-echo', controller.signal)[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toThrow();
  });
});
