import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseDecoder } from '../../streaming/sse-decoder';
import { nativeText } from './native-text';

const PROVIDERS = join(__dirname, '..', '..', 'providers');
const fixture = (provider: string, name: string) => readFileSync(join(PROVIDERS, provider, '__fixtures__', name));
const streamText = (provider: string, name: string) => {
  const decoder = new SseDecoder();
  return [...decoder.push(fixture(provider, name)), ...decoder.end()]
    .filter((e) => e.data !== '[DONE]')
    .map((e) => nativeText(JSON.parse(e.data)))
    .join('');
};
const answerText = (provider: string, name: string) => nativeText(JSON.parse(fixture(provider, name).toString('utf8')));

describe('nativeText', () => {
  it('reads the answer text of recorded streams and answers (OpenAI, Anthropic, Gemini)', () => {
    expect(streamText('openai', 'chat.stream.sse')).toBe('Hello! How can I assist you today? Ünïcödé ✓');
    expect(answerText('openai', 'chat.response.json')).toBe('Hello! How can I assist you today?');
    expect(streamText('anthropic', 'messages.stream.sse')).toBe('Hello! Bonjour — “Paris” is the capital of France 🇫🇷.');
    expect(answerText('anthropic', 'messages.response.json')).toBe('Hello! The capital of France is Paris.');
    expect(streamText('gemini', 'stream-generate-content.sse')).toBe('Paris is the capital of France — “la Ville Lumière” 🇫🇷.');
    expect(answerText('gemini', 'generate-content.response.json')).toBe('The capital of France is Paris.');
  });

  it('reads tool arguments and Responses deltas, and nothing from other payloads', () => {
    expect(streamText('openai', 'tool-calls.stream.sse')).toContain('get_weather');
    expect(nativeText({ type: 'response.output_text.delta', delta: 'Hi' })).toBe('Hi');
    expect(nativeText({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Yo' } })).toBe('Yo');
    expect(nativeText({ id: 'x', object: 'list', data: [] })).toBe('');
    expect(nativeText('text')).toBe('');
  });
});
