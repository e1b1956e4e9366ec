import { mergeUsage, usageOf } from './native-usage';

describe('usageOf', () => {
  it('reads OpenAI chat usage (cached and reasoning details)', () => {
    expect(usageOf({ usage: { prompt_tokens: 100, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 25 } } })).toEqual({
      promptTokens: 100,
      completionTokens: 40,
      cachedPromptTokens: 60,
      cacheWriteTokens: 0,
      reasoningTokens: 25,
    });
  });

  it('reads OpenAI Responses usage, also nested in a response.completed event', () => {
    const usage = { input_tokens: 50, output_tokens: 9, input_tokens_details: { cached_tokens: 10 }, output_tokens_details: { reasoning_tokens: 4 } };
    const expected = { promptTokens: 50, completionTokens: 9, cachedPromptTokens: 10, cacheWriteTokens: 0, reasoningTokens: 4 };
    expect(usageOf({ usage })).toEqual(expected);
    expect(usageOf({ type: 'response.completed', response: { usage } })).toEqual(expected);
  });

  it("reads Anthropic usage, whose input_tokens exclude cache reads and writes", () => {
    expect(usageOf({ type: 'message_start', message: { usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 } } })).toEqual({
      promptTokens: 115,
      completionTokens: 1,
      cachedPromptTokens: 100,
      cacheWriteTokens: 5,
      reasoningTokens: 0,
    });
  });

  it('reads Gemini usageMetadata, thoughts counted as output', () => {
    expect(usageOf({ usageMetadata: { promptTokenCount: 1536, candidatesTokenCount: 8, thoughtsTokenCount: 42, cachedContentTokenCount: 1024 } })).toEqual({
      promptTokens: 1536,
      completionTokens: 50,
      cachedPromptTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 42,
    });
  });

  it('is undefined without usage', () => {
    expect(usageOf({ choices: [] })).toBeUndefined();
    expect(usageOf('x')).toBeUndefined();
  });
});

describe('mergeUsage', () => {
  it("keeps Anthropic's input from message_start and output from message_delta", () => {
    const start = usageOf({ message: { usage: { input_tokens: 20, output_tokens: 1 } } });
    const delta = usageOf({ type: 'message_delta', usage: { output_tokens: 30 } })!;
    expect(mergeUsage(start, delta)).toMatchObject({ promptTokens: 20, completionTokens: 30 });
  });
});
