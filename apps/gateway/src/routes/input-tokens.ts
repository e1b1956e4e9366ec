import type { ChatRequest } from '@switchyard/contracts';
import { countPromptTokens, countTextTokens } from '../metering/token-counter';

/**
 * Anthropic's `count_tokens` and Gemini's `countTokens`: the prompt as the gateway counts it (o200k_base over the
 * translated messages, system included, plus the tool definitions). An estimate for every provider; images and
 * documents are not counted.
 */
export function countInputTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  const toolTokens = request.tools?.length ? countTextTokens(JSON.stringify(request.tools)) : 0;
  return countPromptTokens(request.messages) + toolTokens;
}
