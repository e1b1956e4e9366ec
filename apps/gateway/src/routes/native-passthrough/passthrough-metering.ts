import { AppError } from '@switchyard/errors';
import type { EndpointPrice, PriceTable } from '@switchyard/pricing';

type Json = Record<string, unknown>;

/** Methods that read or delete and never produce tokens: forwarded without a hold. */
export const UNMETERED_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

/** The model a native request names: the body's `model`, or Gemini's `models/{model}:method` path. */
export function nativeModel(body: Json, path: string): string | undefined {
  if (typeof body.model === 'string' && body.model !== '') return body.model.replace(/^models\//, '');
  const gemini = /(?:^|\/)models\/([^/:]+):[A-Za-z]+$/.exec(path);
  return gemini?.[1];
}

/** The priced endpoint a native request runs on; metered requests must name one (never served at $0). */
export function nativePrice(prices: PriceTable, providerId: string, model: string | undefined): EndpointPrice {
  if (!model) {
    throw new AppError('invalid_request', 'Native pass-through requests that can produce tokens must name a model the gateway can price.', { param: 'model' });
  }
  const price = prices.all().find((e) => e.providerId === providerId && (e.upstreamModel === model || e.modelId === `${providerId}/${model}`));
  if (!price) throw new AppError('model_not_found', `The model '${model}' of provider '${providerId}' has no price on this gateway.`, { param: 'model' });
  return price;
}

/** The output limit the request sets, in whichever field its API uses; the endpoint's maximum when unset. */
export function nativeOutputLimit(body: Json, price: EndpointPrice): number {
  const generationConfig = typeof body.generationConfig === 'object' && body.generationConfig !== null ? (body.generationConfig as Json) : {};
  for (const value of [body.max_tokens, body.max_completion_tokens, body.max_output_tokens, generationConfig.maxOutputTokens]) {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return Math.min(value, price.outputTokensMax);
  }
  return price.outputTokensMax;
}

/** A streamed answer: `stream: true` (OpenAI, Anthropic and the compatible APIs) or Gemini's `:streamGenerateContent`. */
export function nativeStreamed(body: Json, path: string): boolean {
  return body.stream === true || /(?:^|\/)models\/[^/:]+:streamGenerateContent$/.test(path);
}
