import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { searchQuery, webSearchAsk } from './web-search.request';

const request = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...over }) as ChatRequest;

describe('webSearchAsk', () => {
  it('is null without the plugin or the suffix', () => {
    expect(webSearchAsk(request({}))).toBeNull();
    expect(webSearchAsk(request({ plugins: [{ id: 'other' }] }))).toBeNull();
  });

  it('takes the plugin options and strips `:online`', () => {
    expect(webSearchAsk(request({ plugins: [{ id: 'web', max_results: 3, search_prompt: 'Sources:' }] }))).toEqual({ model: 'openai/gpt-4o', maxResults: 3, searchPrompt: 'Sources:' });
    expect(webSearchAsk(request({ model: 'openai/gpt-4o:online' }))).toEqual({ model: 'openai/gpt-4o', maxResults: 5 });
  });

  it('refuses out-of-range max_results with a param', () => {
    for (const max of [0, 11, 2.5, '3']) {
      const call = () => webSearchAsk(request({ plugins: [{ id: 'web', max_results: max }] }));
      expect(call).toThrow(AppError);
      expect(call).toThrow(/max_results/);
    }
  });
});

describe('searchQuery', () => {
  it('searches the last user message text, whitespace collapsed', () => {
    const r = request({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'what is\n\nnew' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      ],
    });
    expect(searchQuery(r)).toBe('what is new');
  });

  it('refuses a conversation without user text', () => {
    expect(() => searchQuery(request({ messages: [{ role: 'system', content: 'x' }] }))).toThrow(/user message/);
  });
});
