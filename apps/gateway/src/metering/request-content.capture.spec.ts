import { RequestContentCapture, boundContent, cutUtf8, escapedBytes } from './request-content.capture';

const usage = { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
const bytes = (text: string | null) => Buffer.byteLength(text ?? '', 'utf8');

describe('RequestContentCapture', () => {
  const messages = [{ role: 'user' as const, content: 'What is 2+2?' }];

  it('keeps a whole answer: prompt as JSON, text, tool calls', () => {
    const capture = new RequestContentCapture(10_000, messages);
    capture.completed({ content: 'Four.', toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }], finishReason: 'stop', usage });
    expect(capture.toContent()).toEqual({
      prompt: JSON.stringify(messages),
      completion: 'Four.',
      toolCalls: JSON.stringify([{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }]),
      truncated: false,
    });
  });

  it('assembles a stream from its deltas (text and tool-call pieces by index)', () => {
    const capture = new RequestContentCapture(10_000, messages);
    capture.delta({ type: 'content', text: 'Fo' });
    capture.delta({ type: 'reasoning', text: 'thinking' });
    capture.delta({ type: 'content', text: 'ur.' });
    capture.delta({ type: 'tool_calls', toolCalls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":' } }] });
    capture.delta({ type: 'tool_calls', toolCalls: [{ index: 0, function: { arguments: '2}' } }] });
    capture.delta({ type: 'finish', finishReason: 'tool_calls' });
    capture.delta({ type: 'usage', usage });
    const content = capture.toContent();
    expect(content.completion).toBe('Four.');
    expect(JSON.parse(content.toolCalls ?? 'null')).toEqual([{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2}' } }]);
    expect(content.truncated).toBe(false);
  });

  it('stays within the byte bound for a long stream and marks the cut', () => {
    const capture = new RequestContentCapture(2_000, messages);
    for (let i = 0; i < 1_000; i++) capture.delta({ type: 'content', text: 'é-token ' });
    const content = capture.toContent();
    expect(bytes(content.prompt) + bytes(content.completion) + bytes(content.toolCalls)).toBeLessThanOrEqual(2_000);
    expect(content.truncated).toBe(true);
    expect(content.completion.endsWith('…[truncated by Switchyard]')).toBe(true);
    expect(content.prompt).toBe(JSON.stringify(messages));
  });
});

describe('boundContent', () => {
  it('leaves content under the bound alone', () => {
    expect(boundContent({ prompt: 'p', completion: 'c', toolCalls: null }, 1_024)).toEqual({ prompt: 'p', completion: 'c', toolCalls: null, truncated: false });
  });

  it('gives a small field all it needs and splits the rest', () => {
    const bounded = boundContent({ prompt: 'x'.repeat(5_000), completion: 'short', toolCalls: 'y'.repeat(5_000) }, 1_024);
    expect(bounded.completion).toBe('short');
    expect(bytes(bounded.prompt) + bytes(bounded.completion) + bytes(bounded.toolCalls)).toBeLessThanOrEqual(1_024);
    expect(bounded.truncated).toBe(true);
  });
});

describe('boundContent, as the event carries it', () => {
  it('counts the JSON escaping: a prompt of quotes and control characters still fits the bound once serialized', () => {
    const prompt = JSON.stringify([{ role: 'user', content: '"\u0001'.repeat(3_000) }]);
    const bounded = boundContent({ prompt, completion: 'ok', toolCalls: null }, 4_096);
    expect(Buffer.byteLength(JSON.stringify(bounded), 'utf8')).toBeLessThan(4_096 + 200);
    expect(escapedBytes(bounded.prompt) + escapedBytes(bounded.completion)).toBeLessThanOrEqual(4_096);
    expect(bounded.truncated).toBe(true);
  });
});

describe('cutUtf8', () => {
  it('never splits a multi-byte character', () => {
    const cut = cutUtf8('€'.repeat(100), 40);
    expect(bytes(cut)).toBeLessThanOrEqual(40);
    expect(cut).not.toContain('\uFFFD');
  });
});
