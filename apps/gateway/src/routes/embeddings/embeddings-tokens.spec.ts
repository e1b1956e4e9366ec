import { EmbeddingsRequestSchema } from './embeddings.schema';
import { countEmbeddingTokens, embeddingInputs, embeddingTokensUpperBound } from './embeddings-tokens';

const input = (value: unknown) => EmbeddingsRequestSchema.parse({ model: 'openai/text-embedding-3-small', input: value }).input;

describe('embeddings input tokens', () => {
  it('accepts every OpenAI input shape and splits it into inputs', () => {
    expect(embeddingInputs(input('one'))).toEqual(['one']);
    expect(embeddingInputs(input(['a', 'b']))).toEqual(['a', 'b']);
    expect(embeddingInputs(input([1, 2, 3]))).toEqual([[1, 2, 3]]);
    expect(embeddingInputs(input([[1], [2, 3]]))).toEqual([[1], [2, 3]]);
    expect(() => input('')).toThrow();
    expect(() => input([])).toThrow();
  });

  it('the hold bound (UTF-8 bytes, token ids as given) is never below the count', () => {
    for (const value of ['héllo wörld ✓', ['The quick brown fox', 'жёлтый', '東京'], [101, 2023, 102], [[1, 2], [3]]]) {
      expect(embeddingTokensUpperBound(input(value))).toBeGreaterThanOrEqual(countEmbeddingTokens(input(value)));
    }
    expect(embeddingTokensUpperBound(input(['€€', 'ab']))).toBe(8);
    expect(countEmbeddingTokens(input([[1, 2], [3]]))).toBe(3);
  });
});
