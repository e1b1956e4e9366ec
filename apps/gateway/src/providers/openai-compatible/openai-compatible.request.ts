import type { ChatRequest } from '@switchyard/contracts';
import { outputLimit } from '../provider-adapter';
import type { OpenAiCompatibleQuirks } from './openai-compatible.provider';

/** Fields that only Switchyard/OpenRouter understand (OpenAI refuses `top_k`: only providers that take it get it back). */
const GATEWAY_ONLY_FIELDS = ['models', 'route', 'provider', 'plugins', 'usage', 'reasoning', 'top_k'] as const;

/**
 * Message fields no upstream takes back: our canonical assistant `reasoning` (DeepSeek even answers 400 when
 * its own `reasoning_content` is sent back in a later turn), and Anthropic/Gemini signatures.
 */
const CANONICAL_ONLY_MESSAGE_FIELDS = ['reasoning', 'signed_reasoning'] as const;

/**
 * The canonical body is OpenAI's own: forward it with the upstream model name, the output limit in the field
 * the model takes, usage asked for in streams where the provider accepts it, and the provider's quirks applied.
 */
export function toOpenAiCompatibleRequestBody(request: ChatRequest, upstreamModel: string, stream: boolean, quirks: OpenAiCompatibleQuirks): Record<string, unknown> {
  const modelQuirks = quirks.modelQuirks?.(upstreamModel);
  const body: Record<string, unknown> = { ...request, model: upstreamModel, stream };
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  if (quirks.acceptsTopK && request.top_k != null) body.top_k = request.top_k;
  if (request.reasoning?.effort && !request.reasoning_effort) body.reasoning_effort = request.reasoning.effort;

  const messageFields = [...CANONICAL_ONLY_MESSAGE_FIELDS, ...(quirks.rejectedMessageFields ?? [])];
  body.messages = request.messages.map((message) => withoutFields(message, messageFields));

  const limit = outputLimit(request);
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (limit != null) {
    const clientField = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    body[modelQuirks?.outputLimitParam ?? quirks.outputLimitParam ?? clientField] = limit;
  }

  if (stream && quirks.streamOptions) body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  else delete body.stream_options; // OpenAI rejects it on a non-streaming request

  for (const field of [...(quirks.rejectedParams ?? []), ...(modelQuirks?.rejectedParams ?? [])]) delete body[field];
  for (const [from, to] of Object.entries(quirks.renamedParams ?? {})) {
    if (body[from] === undefined) continue;
    body[to] = body[from];
    delete body[from];
  }
  return body;
}

function withoutFields<T extends object>(value: T, fields: readonly string[]): T {
  if (!fields.some((field) => field in value)) return value;
  const copy = { ...value } as Record<string, unknown>;
  for (const field of fields) delete copy[field];
  return copy as unknown as T;
}
