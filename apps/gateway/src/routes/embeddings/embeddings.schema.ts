import { z } from 'zod';

/** OpenAI's own limits on one embeddings request. */
export const EMBEDDINGS_LIMITS = { inputsMax: 2_048, tokensPerInputMax: 1_000_000, dimensionsMax: 65_536 } as const;

const TokenIds = z.array(z.number().int().min(0)).min(1).max(EMBEDDINGS_LIMITS.tokensPerInputMax);

/** `POST /v1/embeddings`, the OpenAI wire format: a string, strings, token ids, or arrays of token ids. */
export const EmbeddingsRequestSchema = z.object({
  model: z.string().min(1).max(200),
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(EMBEDDINGS_LIMITS.inputsMax), TokenIds, z.array(TokenIds).min(1).max(EMBEDDINGS_LIMITS.inputsMax)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(EMBEDDINGS_LIMITS.dimensionsMax).optional(),
  user: z.string().max(256).optional(),
});
export type EmbeddingsRequestBody = z.output<typeof EmbeddingsRequestSchema>;
