import type { ChatRequest } from '@switchyard/contracts';

/** Fields that only Switchyard/OpenRouter understand; never forwarded. */
const GATEWAY_ONLY_FIELDS = ['models', 'route', 'provider', 'plugins', 'usage', 'reasoning'] as const;

/** The canonical body is OpenAI's own: forward it with the upstream model name and usage in streams. */
export function toOpenAiRequestBody(request: ChatRequest, upstreamModel: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: upstreamModel, stream };
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  if (request.reasoning?.effort && !request.reasoning_effort) body.reasoning_effort = request.reasoning.effort;
  if (stream) body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  else delete body.stream_options;
  return body;
}
