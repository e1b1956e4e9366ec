import { z } from 'zod';
import { TokenCount } from '../primitives';

/** Tokens a request consumed, by class; every price class has its own counter. */
export const TokenUsageSchema = z.object({
  promptTokens: TokenCount,
  completionTokens: TokenCount,
  cachedPromptTokens: TokenCount.default(0),
  cacheWriteTokens: TokenCount.default(0),
  reasoningTokens: TokenCount.default(0),
});
export type TokenUsage = z.output<typeof TokenUsageSchema>;

export const ZERO_USAGE: TokenUsage = {
  promptTokens: 0,
  completionTokens: 0,
  cachedPromptTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};
