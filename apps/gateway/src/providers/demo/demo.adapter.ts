import type { ChatRequest, TokenUsage } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { countPromptTokens, messageText, tokenizer } from '../../metering/token-counter';
import { type CanonicalCompletion, type CanonicalDelta, outputLimit, ProviderAdapter } from '../provider-adapter';

const FILLER = ' The quick brown fox jumps over the lazy dog while Switchyard meters every token.';
const DEFAULT_TARGET_TOKENS = 48;
const CHUNKS_TARGET = 6;

/**
 * The built-in offline provider: answers "Echo: <last user message>" padded deterministically, cut to the
 * output limit, with real token counts (o200k_base). No network, so the quickstart works anywhere.
 */
export class DemoAdapter extends ProviderAdapter {
  readonly id = 'demo';

  constructor(private readonly options: { chunkDelayMs: number } = { chunkDelayMs: 0 }) {
    super();
  }

  async complete(request: ChatRequest, _upstreamModel: string, signal: AbortSignal): Promise<CanonicalCompletion> {
    throwIfAborted(signal);
    const answer = this.answer(request);
    return { content: answer.text, finishReason: answer.truncated ? 'length' : 'stop', usage: answer.usage };
  }

  async *stream(request: ChatRequest, _upstreamModel: string, signal: AbortSignal): AsyncIterable<CanonicalDelta> {
    const answer = this.answer(request);
    const characters = Array.from(answer.text);
    const size = Math.max(1, Math.ceil(characters.length / CHUNKS_TARGET));
    for (let start = 0; start < characters.length; start += size) {
      throwIfAborted(signal);
      if (this.options.chunkDelayMs > 0) await sleep(this.options.chunkDelayMs, signal);
      throwIfAborted(signal);
      yield { type: 'content', text: characters.slice(start, start + size).join('') };
    }
    yield { type: 'finish', finishReason: answer.truncated ? 'length' : 'stop' };
    yield { type: 'usage', usage: answer.usage };
  }

  /** Deterministic in the request: same messages and limit → same text and usage. */
  answer(request: ChatRequest): { text: string; truncated: boolean; usage: TokenUsage } {
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    const echoed = lastUser ? messageText(lastUser) : '';
    const limit = outputLimit(request);
    const target = Math.max(1, Math.min(limit ?? DEFAULT_TARGET_TOKENS, DEFAULT_TARGET_TOKENS));
    const { encode, decode } = tokenizer();
    const echoTokens = encode(`Echo: ${echoed}`).length;
    const natural = Math.max(target, echoTokens);
    let text = `Echo: ${echoed}`;
    while (encode(text).length < natural) text += FILLER;
    const truncated = limit !== undefined && natural > limit;
    // Cut at token boundaries so the counted completion equals the produced text.
    const tokens = encode(text).slice(0, Math.min(natural, limit ?? natural));
    const produced = decode(tokens);
    return {
      text: produced,
      truncated,
      usage: {
        promptTokens: countPromptTokens(request.messages),
        completionTokens: tokens.length,
        cachedPromptTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    };
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('upstream_error', 'The request was aborted.', { cause: signal.reason });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
