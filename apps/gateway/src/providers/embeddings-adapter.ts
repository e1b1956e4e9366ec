import type { ProviderAdapter } from './provider-adapter';

/** An embeddings request as the OpenAI wire carries it (the model is the upstream's own name, set by the adapter). */
export interface EmbeddingsRequest {
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

/** Vectors in the requested encoding (float arrays, or base64 little-endian float32), in input order. */
export interface CanonicalEmbeddings {
  data: Array<{ index: number; embedding: number[] | string }>;
  /** What the provider reported; null when it reported nothing (the gateway counts then). */
  promptTokens: number | null;
}

/** A provider that also serves embeddings. Failures are AppErrors, as for chat. */
export interface EmbeddingsAdapter {
  embed(request: EmbeddingsRequest, upstreamModel: string, signal: AbortSignal): Promise<CanonicalEmbeddings>;
}

export function servesEmbeddings(adapter: ProviderAdapter): adapter is ProviderAdapter & EmbeddingsAdapter {
  return typeof (adapter as Partial<EmbeddingsAdapter>).embed === 'function';
}
