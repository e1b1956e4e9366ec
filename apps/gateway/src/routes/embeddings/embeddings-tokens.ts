import { countTextTokens } from '../../metering/token-counter';
import type { EmbeddingsRequestBody } from './embeddings.schema';

type Input = EmbeddingsRequestBody['input'];

/** The inputs one by one: a string or a token-id array is one input. */
export function embeddingInputs(input: Input): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}

/** An upper bound for the hold without tokenizing: every token is at least one UTF-8 byte; token ids count as given. */
export function embeddingTokensUpperBound(input: Input): number {
  return embeddingInputs(input).reduce((sum, item) => sum + (typeof item === 'string' ? Buffer.byteLength(item, 'utf8') : item.length), 0);
}

/** Our own count (o200k_base) for a provider that reports no usage. */
export function countEmbeddingTokens(input: Input): number {
  return embeddingInputs(input).reduce((sum, item) => sum + (typeof item === 'string' ? countTextTokens(item) : item.length), 0);
}
