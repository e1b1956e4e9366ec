import { z } from 'zod';

const MicrosPerMtok = z.number().int().min(0).max(1_000_000_000_000);
export const CAPABILITIES = ['tools', 'vision', 'json_object', 'json_schema', 'reasoning', 'embeddings', 'pdf'] as const;
export type Capability = (typeof CAPABILITIES)[number];
export type AutoRouting = 'candidate' | 'last_resort';

/** One provider endpoint for a model: integer micro-USD per million tokens, never floats. */
export const EndpointPriceSchema = z.object({
  upstream_model: z.string().min(1),
  input_micros_per_mtok: MicrosPerMtok,
  output_micros_per_mtok: MicrosPerMtok,
  cache_read_micros_per_mtok: MicrosPerMtok.optional(),
  cache_write_micros_per_mtok: MicrosPerMtok.optional(),
  reasoning_micros_per_mtok: MicrosPerMtok.optional(),
  request_micros: z.number().int().min(0).optional(),
  image_micros: z.number().int().min(0).optional(),
  context_tokens_max: z.number().int().min(1),
  /** 0 only for embedding models, which produce no output tokens. */
  output_tokens_max: z.number().int().min(0),
  supports: z.array(z.enum(CAPABILITIES)).default([]),
  /** Whether `model: "auto"` may pick this endpoint first, or only when nothing else can serve (the offline demo). */
  auto_routing: z.enum(['candidate', 'last_resort']).default('candidate'),
}).refine((price) => price.output_tokens_max >= 1 || price.supports.includes('embeddings'), {
  message: 'output_tokens_max must be at least 1 for a chat model',
  path: ['output_tokens_max'],
});

export const ProviderPriceFileSchema = z.object({
  provider: z.string().regex(/^[a-z][a-z0-9-]*$/),
  source: z.string(),
  endpoints: z.record(z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9._:-]+$/, 'model ids look like provider/model'), EndpointPriceSchema),
});
export type ProviderPriceFile = z.output<typeof ProviderPriceFileSchema>;
