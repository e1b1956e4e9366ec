import { type FinishReason, placeSignedReasoning, type SignedReasoning, type TokenUsage } from '@switchyard/contracts';
import type { AppError } from '@switchyard/errors';
import { microsToUsd } from '@switchyard/money';
import type { AnswerDelta, ResponseSurface, ServedResponse, SseEvent, SurfaceStreamWriter } from '../../completion/response-surface';
import { requestCostMicros } from '../../metering/usage-body';
import { toolArgumentsOrEmpty } from '../../providers/canonical-message';
import type { CanonicalCompletion, ToolCallDelta } from '../../providers/provider-adapter';
import { toAnthropicErrorBody } from './anthropic-error-body';

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/** Anthropic usage (`input_tokens` excludes cache reads and writes) plus our `cost` (decimal USD) and `cost_micros`. */
export interface AnthropicUsageBody {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Anthropic's own field for server-side searches; present when a web search ran. */
  server_tool_use?: { web_search_requests: number };
  cost: string;
  cost_micros: string;
}

export type AnthropicResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessageBody {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsageBody;
}

/** The Anthropic Messages dialect: Message JSON, and the message_start → content blocks → message_stop stream. */
export const anthropicMessagesSurface: ResponseSurface = {
  name: 'anthropic',
  streamTerminator: null,
  // SSE comment lines are skipped by Anthropic's SDK parsers like any event without a name.
  keepAliveComments: true,

  completionBody(served: ServedResponse, completion: CanonicalCompletion): AnthropicMessageBody {
    const calls = completion.toolCalls ?? [];
    const signed = placeSignedReasoning(completion.signedReasoning, calls.map((call) => call.id));
    const content: AnthropicResponseBlock[] = thinkingBlocks(signed.leading);
    // Reasoning nobody signed (another provider's) still shows, with the empty signature Anthropic clients tolerate.
    if (thinkingBlocks(completion.signedReasoning).length === 0 && completion.reasoning) content.push({ type: 'thinking', thinking: completion.reasoning, signature: '' });
    if (completion.content) content.push({ type: 'text', text: completion.content });
    for (const call of calls) {
      content.push(...thinkingBlocks(signed.before(call.id)));
      content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolArgumentsOrEmpty(call.function.arguments) });
    }
    return {
      id: messageId(served),
      type: 'message',
      role: 'assistant',
      model: served.modelId,
      content,
      stop_reason: toStopReason(completion.finishReason, completion.stopSequence),
      stop_sequence: stopSequenceOf(completion.finishReason, completion.stopSequence),
      usage: toAnthropicUsage(completion.usage, served),
    };
  },

  streamWriter(served: ServedResponse): SurfaceStreamWriter {
    return new AnthropicMessagesStreamWriter(served);
  },
};

/** Anthropic's own signed blocks, in order; other providers' signatures are not Anthropic's to render. */
function thinkingBlocks(signed: SignedReasoning[] | undefined): AnthropicResponseBlock[] {
  const blocks: AnthropicResponseBlock[] = [];
  for (const item of signed ?? []) {
    if (item.type === 'thinking') blocks.push({ type: 'thinking', thinking: item.thinking, signature: item.signature });
    else if (item.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: item.data });
  }
  return blocks;
}

/** The matched stop sequence, when the provider said which one (a `stop` finish only). */
function stopSequenceOf(finishReason: FinishReason, stopSequence: string | undefined): string | null {
  return finishReason === 'stop' && stopSequence !== undefined ? stopSequence : null;
}

/** Canonical finish reasons → Anthropic's; `stop_sequence` only when the provider said which sequence matched. */
export function toStopReason(finishReason: FinishReason, stopSequence?: string): AnthropicStopReason {
  if (stopSequenceOf(finishReason, stopSequence) !== null) return 'stop_sequence';
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export function toAnthropicUsage(usage: TokenUsage, served: Pick<ServedResponse, 'price' | 'markupBasisPoints' | 'fees'>): AnthropicUsageBody {
  const costMicros = requestCostMicros(usage, served.price, served.markupBasisPoints, served.fees);
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cachedPromptTokens,
    ...(served.fees.webSearchRequests ? { server_tool_use: { web_search_requests: served.fees.webSearchRequests } } : {}),
    cost: microsToUsd(costMicros),
    cost_micros: costMicros.toString(),
  };
}

/** Our request id in Anthropic's `msg_` form, so a message can be traced back to its generation. */
function messageId(served: ServedResponse): string {
  return `msg_${served.requestId.replace(/^gen-/, '')}`;
}

type BlockKind = AnthropicResponseBlock['type'];

/**
 * One streamed answer as Anthropic's events: `message_start` before anything else, one content block at a time
 * (a block closes when a block of another kind or another tool call begins), a `ping` after the first block opens,
 * then `message_delta` (stop reason, final usage with cost) and `message_stop`. A failure after the stream opened
 * is an `error` event, as Anthropic sends it.
 */
export class AnthropicMessagesStreamWriter implements SurfaceStreamWriter {
  private started = false;
  private pinged = false;
  private openBlock?: { index: number; kind: BlockKind };
  private blockCount = 0;
  private readonly blockByToolIndex = new Map<number, number>();
  private finishReason?: FinishReason;
  private stopSequence?: string;

  constructor(private readonly served: ServedResponse) {}

  delta(delta: AnswerDelta): SseEvent[] {
    const events = this.start();
    switch (delta.type) {
      case 'content':
        if (delta.text !== '') events.push(...this.enter('text'), this.blockDelta({ type: 'text_delta', text: delta.text }));
        break;
      case 'reasoning':
        if (delta.text !== '') events.push(...this.enter('thinking'), this.blockDelta({ type: 'thinking_delta', thinking: delta.text }));
        break;
      case 'signed_reasoning':
        events.push(...this.signed(delta.signed));
        break;
      case 'tool_calls':
        for (const call of delta.toolCalls) events.push(...this.toolCall(call));
        break;
      case 'finish':
        this.finishReason = delta.finishReason;
        this.stopSequence = delta.stopSequence;
        break;
    }
    return events;
  }

  finish(usage: TokenUsage, finishReason: FinishReason | undefined): SseEvent[] {
    const events = [...this.start(), ...this.close()];
    const finish = finishReason ?? this.finishReason ?? 'stop';
    const delta = { stop_reason: toStopReason(finish, this.stopSequence), stop_sequence: stopSequenceOf(finish, this.stopSequence) };
    events.push(
      { event: 'message_delta', data: { type: 'message_delta', delta, usage: toAnthropicUsage(usage, this.served) } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    );
    return events;
  }

  fail(error: AppError, usage: TokenUsage): SseEvent[] {
    // `usage` (with cost) rides along: what was produced before the failure is billed.
    return [{ event: 'error', data: { ...toAnthropicErrorBody(error, this.served.requestId), usage: toAnthropicUsage(usage, this.served) } }];
  }

  private start(): SseEvent[] {
    if (this.started) return [];
    this.started = true;
    const message = {
      id: messageId(this.served),
      type: 'message',
      role: 'assistant',
      model: this.served.modelId,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Provisional: the exact counts come with message_delta, which the SDKs apply over these.
      usage: { input_tokens: this.served.promptTokensEstimate, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return [{ event: 'message_start', data: { type: 'message_start', message } }];
  }

  /** Makes a text or thinking block the open one (closing any other). */
  private enter(kind: 'text' | 'thinking'): SseEvent[] {
    if (this.openBlock?.kind === kind) return [];
    return this.begin(kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
  }

  /**
   * A signature ends its thinking block, as Anthropic streams it (signature_delta, then content_block_stop); a
   * redacted block arrives whole. Other providers' signatures are not rendered.
   */
  private signed(signed: SignedReasoning): SseEvent[] {
    if (signed.type === 'redacted_thinking') return [...this.begin({ type: 'redacted_thinking', data: signed.data }), ...this.close()];
    if (signed.type !== 'thinking') return [];
    const events = this.enter('thinking');
    events.push(this.blockDelta({ type: 'signature_delta', signature: signed.signature }), ...this.close());
    return events;
  }

  private toolCall(call: ToolCallDelta): SseEvent[] {
    const events: SseEvent[] = [];
    let index = this.blockByToolIndex.get(call.index);
    if (index === undefined) {
      const id = call.id ?? `toolu_${this.served.requestId.replace(/^gen-/, '')}_${call.index}`;
      events.push(...this.begin({ type: 'tool_use', id, name: call.function?.name ?? '', input: {} }));
      index = this.blockCount - 1;
      this.blockByToolIndex.set(call.index, index);
    }
    const partialJson = call.function?.arguments;
    if (partialJson) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partialJson } } });
    return events;
  }

  private begin(block: AnthropicResponseBlock): SseEvent[] {
    const events = this.close();
    const index = this.blockCount++;
    this.openBlock = { index, kind: block.type };
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: block } });
    if (!this.pinged) {
      this.pinged = true;
      events.push({ event: 'ping', data: { type: 'ping' } });
    }
    return events;
  }

  private close(): SseEvent[] {
    if (!this.openBlock) return [];
    const { index } = this.openBlock;
    this.openBlock = undefined;
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index } }];
  }

  private blockDelta(delta: Record<string, unknown>): SseEvent {
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index: this.openBlock?.index ?? 0, delta } };
  }
}
