import { AppError } from '@switchyard/errors';
import type { CanonicalDelta } from '../provider-adapter';
import { anthropicStreamError } from './anthropic.errors';
import { type AnthropicUsage, stopSequence, toFinishReason, toTokenUsage } from './anthropic.response';

interface AnthropicStreamEvent {
  type?: string;
  index?: number;
  message?: { usage?: AnthropicUsage | null };
  content_block?: { type?: string; id?: string; name?: string; input?: unknown; text?: string; thinking?: string; signature?: string; data?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string; stop_reason?: string | null; stop_sequence?: string | null };
  usage?: AnthropicUsage | null;
  error?: { type?: string; message?: unknown };
}

/**
 * Turns Anthropic's Messages stream (message_start → content blocks → message_delta → message_stop) into
 * canonical deltas. Stateful: tool-use blocks get OpenAI tool-call indexes, usage is merged from
 * message_start (input, cache) and message_delta (output, cumulative). `finish` and the one `usage` delta
 * are emitted on message_delta.
 */
export class AnthropicStreamState {
  private usage: AnthropicUsage = {};
  private readonly toolIndexByBlock = new Map<number, number>();
  /** Open thinking blocks: their text so far and signature, sealed into one signed_reasoning delta at block stop. */
  private readonly thinkingBlocks = new Map<number, { thinking: string; signature: string }>();
  private started = false;
  private finished = false;
  private stopped = false;

  /** True once message_stop arrived: nothing more will come. */
  get done(): boolean {
    return this.stopped;
  }

  /** True once finish and usage were emitted (the answer is complete even if message_stop is lost). */
  get complete(): boolean {
    return this.finished;
  }

  push(data: string): CanonicalDelta[] {
    let event: AnthropicStreamEvent;
    try {
      event = JSON.parse(data) as AnthropicStreamEvent;
    } catch (error) {
      throw new AppError('upstream_error', 'The provider sent a malformed stream event.', { cause: error });
    }
    switch (event.type) {
      case 'message_start':
        this.started = true;
        this.mergeUsage(event.message?.usage);
        return [];
      case 'content_block_start':
        return this.blockStart(event);
      case 'content_block_delta':
        return this.blockDelta(event);
      case 'message_delta':
        return this.messageDelta(event);
      case 'message_stop':
        this.stopped = true;
        return [];
      case 'error':
        throw anthropicStreamError(event.error);
      case 'content_block_stop':
        return this.blockStop(event);
      default: // ping, and event types added later
        return [];
    }
  }

  private blockStart(event: AnthropicStreamEvent): CanonicalDelta[] {
    this.requireStarted();
    const block = event.content_block;
    const index = event.index ?? 0;
    if (block?.type === 'tool_use') {
      const toolIndex = this.toolIndexByBlock.size;
      this.toolIndexByBlock.set(index, toolIndex);
      const input = block.input && typeof block.input === 'object' && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
      return [{ type: 'tool_calls', toolCalls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: input } }] }];
    }
    if (block?.type === 'thinking') {
      this.thinkingBlocks.set(index, { thinking: block.thinking ?? '', signature: block.signature ?? '' });
      return block.thinking ? [{ type: 'reasoning', text: block.thinking }] : [];
    }
    if (block?.type === 'redacted_thinking' && typeof block.data === 'string') return [{ type: 'signed_reasoning', signed: { type: 'redacted_thinking', data: block.data } }];
    if (block?.type === 'text' && block.text) return [{ type: 'content', text: block.text }];
    return [];
  }

  private blockDelta(event: AnthropicStreamEvent): CanonicalDelta[] {
    this.requireStarted();
    const delta = event.delta;
    switch (delta?.type) {
      case 'text_delta':
        return delta.text ? [{ type: 'content', text: delta.text }] : [];
      case 'thinking_delta': {
        const thinking = this.thinkingBlocks.get(event.index ?? 0);
        if (thinking && delta.thinking) thinking.thinking += delta.thinking;
        return delta.thinking ? [{ type: 'reasoning', text: delta.thinking }] : [];
      }
      case 'signature_delta': {
        const thinking = this.thinkingBlocks.get(event.index ?? 0);
        if (thinking && delta.signature) thinking.signature += delta.signature;
        return [];
      }
      case 'input_json_delta': {
        const toolIndex = this.toolIndexByBlock.get(event.index ?? 0);
        if (toolIndex === undefined) throw new AppError('upstream_error', 'The provider streamed tool input for an unknown block.');
        return delta.partial_json ? [{ type: 'tool_calls', toolCalls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] }] : [];
      }
      default: // citations_delta
        return [];
    }
  }

  private blockStop(event: AnthropicStreamEvent): CanonicalDelta[] {
    const index = event.index ?? 0;
    const thinking = this.thinkingBlocks.get(index);
    if (!thinking) return [];
    this.thinkingBlocks.delete(index);
    return thinking.signature ? [{ type: 'signed_reasoning', signed: { type: 'thinking', ...thinking } }] : [];
  }

  private messageDelta(event: AnthropicStreamEvent): CanonicalDelta[] {
    this.requireStarted();
    if (this.finished) throw new AppError('upstream_error', 'The provider sent a second message_delta.');
    this.mergeUsage(event.usage);
    this.finished = true;
    return [
      { type: 'finish', finishReason: toFinishReason(event.delta?.stop_reason), ...stopSequence(event.delta?.stop_reason, event.delta?.stop_sequence) },
      { type: 'usage', usage: toTokenUsage(this.usage) },
    ];
  }

  /** message_delta usage is cumulative: present fields replace what message_start said. */
  private mergeUsage(usage: AnthropicUsage | null | undefined): void {
    if (!usage) return;
    for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
      const value = usage[key];
      if (typeof value === 'number') this.usage[key] = value;
    }
  }

  private requireStarted(): void {
    if (!this.started) throw new AppError('upstream_error', 'The provider stream did not start with message_start.');
  }
}
