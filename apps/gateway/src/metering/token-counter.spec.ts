import { countPromptTokens, countTextTokens } from './token-counter';

describe('token counter', () => {
  it('does not load the o200k_base tables (~20 MB of heap) until a count is asked for', () => {
    let loads = 0;
    jest.isolateModules(() => {
      jest.doMock('gpt-tokenizer', () => (loads++, jest.requireActual('gpt-tokenizer')));
      const counter = jest.requireActual<typeof import('./token-counter')>('./token-counter');
      expect(loads).toBe(0);
      expect(counter.countTextTokens('hello world')).toBe(2);
      expect(counter.countTextTokens('again')).toBe(1);
    });
    expect(loads).toBe(1);
  });

  it('counts o200k_base tokens with the chat framing', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countPromptTokens([{ role: 'user', content: 'hello world' }])).toBe(3 + 3 + countTextTokens('user') + 2);
  });
});
