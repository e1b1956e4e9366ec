import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseDecoder } from '../../streaming/sse-decoder';
import { isClosingEvent } from './native-stream-end';

const PROVIDERS = join(__dirname, '..', '..', 'providers');
const events = (provider: string, fixture: string) => {
  const decoder = new SseDecoder();
  return [...decoder.push(readFileSync(join(PROVIDERS, provider, '__fixtures__', fixture))), ...decoder.end()];
};

describe('isClosingEvent (on recorded native streams)', () => {
  it.each([
    ['openai', 'chat.stream.sse'],
    ['openai', 'tool-calls.stream.sse'],
    ['anthropic', 'messages.stream.sse'],
    ['anthropic', 'messages.tool-use.stream.sse'],
    ['gemini', 'stream-generate-content.sse'],
    ['gemini', 'stream-generate-content.function-call.sse'],
  ])('%s %s: only the last event closes the stream', (provider, fixture) => {
    const closing = events(provider, fixture).map(isClosingEvent);
    expect(closing.length).toBeGreaterThan(1);
    expect(closing.indexOf(true)).toBe(closing.length - 1);
  });

  it('knows the Responses API ends and ignores what is not JSON', () => {
    expect(isClosingEvent({ event: 'response.completed', data: '{"type":"response.completed","response":{}}' })).toBe(true);
    expect(isClosingEvent({ data: '{"type":"response.output_text.delta","delta":"Hi"}' })).toBe(false);
    expect(isClosingEvent({ data: 'not json' })).toBe(false);
  });
});
