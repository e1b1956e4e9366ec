import type { ChatChunkBody, ChatCompletionBody, FinishReason, TokenUsage } from '@switchyard/contracts';
import { type AppError, ERROR_TABLE } from '@switchyard/errors';
import type { AnswerDelta, ResponseSurface, ServedResponse, SseEvent, SurfaceStreamWriter } from '../../completion/response-surface';
import { toUsageBody } from '../../metering/usage-body';
import { toUrlCitations } from '../../plugins/web-search/url-citations';
import type { CanonicalCompletion } from '../../providers/provider-adapter';

/** The OpenAI chat-completions dialect (OpenRouter flavour: `provider`, `reasoning`, `usage.cost`). */
export const openAiChatSurface: ResponseSurface = {
  name: 'openai',
  streamTerminator: 'data: [DONE]\n\n',
  keepAliveComments: true,

  completionBody(served: ServedResponse, completion: CanonicalCompletion): ChatCompletionBody {
    return {
      id: served.requestId,
      object: 'chat.completion',
      created: served.created,
      model: served.modelId,
      provider: served.providerId,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: completion.content,
            ...(completion.toolCalls ? { tool_calls: completion.toolCalls } : {}),
            ...(completion.reasoning ? { reasoning: completion.reasoning } : {}),
            ...(served.sources.length ? { annotations: toUrlCitations(served.sources, completion.content) } : {}),
          },
          finish_reason: completion.finishReason,
          logprobs: null,
        },
      ],
      usage: toUsageBody(completion.usage, served.price, served.markupBasisPoints, served.fees),
      system_fingerprint: null,
    };
  },

  streamWriter(served: ServedResponse): SurfaceStreamWriter {
    return new OpenAiChatStreamWriter(served);
  },
};

/** `chat.completion.chunk` events: role on the first, finish chunk, then a usage chunk with cost. */
class OpenAiChatStreamWriter implements SurfaceStreamWriter {
  private roleSent = false;
  private finishSent = false;
  private answer = '';

  constructor(private readonly served: ServedResponse) {}

  delta(delta: AnswerDelta): SseEvent[] {
    switch (delta.type) {
      case 'content':
        if (this.served.sources.length) this.answer += delta.text;
        return [this.chunk({ content: delta.text })];
      case 'reasoning':
        return [this.chunk({ reasoning: delta.text })];
      case 'signed_reasoning':
        return []; // no signed-reasoning field in the OpenAI dialect we serve; the reasoning text already went out
      case 'tool_calls':
        return [this.chunk({ tool_calls: delta.toolCalls })];
      case 'finish':
        this.finishSent = true;
        return [this.chunk({}, delta.finishReason)];
    }
  }

  finish(usage: TokenUsage, finishReason: FinishReason | undefined): SseEvent[] {
    const events: SseEvent[] = [];
    // Citations need the whole answer (for link spans), so they follow its last content chunk.
    if (this.served.sources.length) events.push(this.chunk({ annotations: toUrlCitations(this.served.sources, this.answer) }));
    if (!this.finishSent) events.push(this.chunk({}, finishReason ?? 'stop'));
    events.push({ data: { ...this.base(), choices: [], usage: toUsageBody(usage, this.served.price, this.served.markupBasisPoints, this.served.fees) } });
    return events;
  }

  fail(error: AppError, usage: TokenUsage): SseEvent[] {
    // Same fields as the HTTP envelope, `metadata` ({ provider, upstream_status }) included.
    const body: ChatChunkBody = {
      ...this.base(),
      choices: [{ index: 0, delta: {}, finish_reason: 'error' }],
      usage: toUsageBody(usage, this.served.price, this.served.markupBasisPoints, this.served.fees),
      error: { message: error.message, code: error.code, type: ERROR_TABLE[error.code].type, ...(error.details ? { metadata: error.details } : {}) },
    };
    return [{ data: body }];
  }

  private base(): Omit<ChatChunkBody, 'choices'> {
    return { id: this.served.requestId, object: 'chat.completion.chunk', created: this.served.created, model: this.served.modelId, provider: this.served.providerId };
  }

  private chunk(delta: ChatChunkBody['choices'][number]['delta'], finish: FinishReason | null = null): SseEvent {
    const withRole = this.roleSent ? delta : { role: 'assistant' as const, ...delta };
    this.roleSent = true;
    return { data: { ...this.base(), choices: [{ index: 0, delta: withRole, finish_reason: finish, logprobs: null }] } };
  }
}
