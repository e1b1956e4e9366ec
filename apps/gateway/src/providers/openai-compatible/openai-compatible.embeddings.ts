import { AppError } from '@switchyard/errors';
import type { CanonicalEmbeddings, EmbeddingsRequest } from '../embeddings-adapter';

interface OpenAiEmbeddingsResponse {
  data?: Array<{ index?: unknown; embedding?: unknown }>;
  usage?: { prompt_tokens?: unknown } | null;
}

/** The upstream body: the OpenAI embeddings request with the upstream model name. */
export function toOpenAiEmbeddingsRequestBody(request: EmbeddingsRequest, upstreamModel: string): Record<string, unknown> {
  return {
    model: upstreamModel,
    input: request.input,
    ...(request.encoding_format ? { encoding_format: request.encoding_format } : {}),
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
  };
}

/** One vector per input, each a float array or a base64 string; anything else is the provider's fault. */
export function fromOpenAiCompatibleEmbeddings(body: unknown, inputsCount: number): CanonicalEmbeddings {
  const response = body as OpenAiEmbeddingsResponse;
  if (!Array.isArray(response?.data) || response.data.length !== inputsCount) {
    throw new AppError('upstream_error', 'The provider returned a malformed embeddings response.');
  }
  const data = response.data.map((item, position) => {
    const embedding = item.embedding;
    const valid = typeof embedding === 'string' || (Array.isArray(embedding) && embedding.every((x) => typeof x === 'number'));
    if (!valid) throw new AppError('upstream_error', 'The provider returned a malformed embedding.');
    return { index: typeof item.index === 'number' ? item.index : position, embedding: embedding as number[] | string };
  });
  const promptTokens = response.usage?.prompt_tokens;
  return { data, promptTokens: typeof promptTokens === 'number' && Number.isInteger(promptTokens) && promptTokens >= 0 ? promptTokens : null };
}
