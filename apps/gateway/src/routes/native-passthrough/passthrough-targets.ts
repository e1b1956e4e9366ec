import type { GatewayEnv } from '../../config/gateway.env';
import { OPENAI_COMPATIBLE_PROVIDERS } from '../../providers/openai-compatible-providers';
import { anthropicStreamError, geminiStreamError, type NativeStreamError, openAiStreamError } from './native-stream-error';

/** Where `/{provider}/…` goes and how we authenticate there (with our key, never the caller's). */
export interface PassthroughTarget {
  providerId: string;
  baseUrl: string;
  authHeaders: Record<string, string>;
  /** Caller headers forwarded as they are (API versions and betas), lower-case. */
  forwardedHeaders: readonly string[];
  /** How a stream of this API ends with our error (cut at the duration limit). */
  streamError: NativeStreamError;
}

/** Every enabled provider's native API: the OpenAI-compatible ones, Anthropic and Google. */
export function passthroughTargets(env: GatewayEnv): Map<string, PassthroughTarget> {
  const targets = new Map<string, PassthroughTarget>();
  const values = env as unknown as Record<string, string | undefined>;
  for (const provider of OPENAI_COMPATIBLE_PROVIDERS) {
    const key = values[`${provider.envPrefix}_API_KEY`];
    const baseUrl = values[`${provider.envPrefix}_BASE_URL`] ?? ('defaultBaseUrl' in provider ? provider.defaultBaseUrl : undefined);
    if (!baseUrl || (provider.apiKeyRequired && !key)) continue;
    targets.set(provider.id, { providerId: provider.id, baseUrl, authHeaders: key ? { authorization: `Bearer ${key}` } : {}, forwardedHeaders: ['openai-beta'], streamError: openAiStreamError });
  }
  if (env.ANTHROPIC_API_KEY) {
    targets.set('anthropic', {
      providerId: 'anthropic',
      baseUrl: env.ANTHROPIC_BASE_URL,
      authHeaders: { 'x-api-key': env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' },
      forwardedHeaders: ['anthropic-version', 'anthropic-beta'],
      streamError: anthropicStreamError,
    });
  }
  if (env.GEMINI_API_KEY) targets.set('google', { providerId: 'google', baseUrl: env.GEMINI_BASE_URL, authHeaders: { 'x-goog-api-key': env.GEMINI_API_KEY }, forwardedHeaders: [], streamError: geminiStreamError });
  return targets;
}

/**
 * `<base URL>/<path>`, where a version segment that already ends the base URL is not repeated:
 * `/openai/v1/responses` → `https://api.openai.com/v1/responses`, `/anthropic/v1/messages` → `https://api.anthropic.com/v1/messages`.
 */
export function passthroughUrl(baseUrl: string, path: string, search: string): string {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const lastSegment = basePath.split('/').at(-1);
  const segments = path.split('/').filter((s) => s !== '');
  if (lastSegment && segments[0] === lastSegment) segments.shift();
  return `${base.origin}${basePath}/${segments.map(encodeURIComponent).join('/').replace(/%3A/gi, ':')}${search}`;
}
