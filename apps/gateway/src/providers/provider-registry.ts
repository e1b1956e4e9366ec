import { Injectable } from '@nestjs/common';
import type { GatewayEnv } from '../config/gateway.env';
import type { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { AnthropicAdapter } from './anthropic/anthropic.adapter';
import { DemoAdapter } from './demo/demo.adapter';
import { type EmbeddingsAdapter, servesEmbeddings } from './embeddings-adapter';
import { GeminiAdapter } from './gemini/gemini.adapter';
import { OpenAiCompatibleAdapter } from './openai-compatible/openai-compatible.adapter';
import type { OpenAiCompatibleProvider } from './openai-compatible/openai-compatible.provider';
import { OPENAI_COMPATIBLE_PROVIDERS, type OpenAiCompatibleEnvPrefix } from './openai-compatible-providers';
import type { ProviderAdapter } from './provider-adapter';

/**
 * A provider as env sets it up: `operator` — served with the operator's key (or one it does not need); `own_key_only`
 * — the operator has no key, so only a workspace's own key (BYOK) can call it (its adapter has no key of its own).
 */
type ProviderSetup = { adapter: ProviderAdapter; availability: 'operator' | 'own_key_only' };
type ProviderFactory = (env: GatewayEnv, http: UpstreamHttpClient) => ProviderSetup | undefined;

const byKey = (apiKey: string | undefined, adapter: ProviderAdapter): ProviderSetup => ({ adapter, availability: apiKey ? 'operator' : 'own_key_only' });

/**
 * An OpenAI-compatible provider is enabled by its key (`<PREFIX>_API_KEY`), or, for servers that take none, by
 * its base URL (`<PREFIX>_BASE_URL`); the base URL defaults to the provider's public one. One that needs a key the
 * operator did not set is own-key-only.
 */
function openAiCompatible(provider: OpenAiCompatibleProvider & { envPrefix: OpenAiCompatibleEnvPrefix }): ProviderFactory {
  return (env, http) => {
    const apiKey = env[`${provider.envPrefix}_API_KEY`];
    const configuredBaseUrl = env[`${provider.envPrefix}_BASE_URL`];
    const baseUrl = configuredBaseUrl ?? provider.defaultBaseUrl;
    if (!baseUrl || (!provider.apiKeyRequired && !configuredBaseUrl)) return undefined;
    const adapter = new OpenAiCompatibleAdapter(http, provider, { apiKey, baseUrl, timeoutMs: env.UPSTREAM_TIMEOUT_MS });
    return provider.apiKeyRequired ? byKey(apiKey, adapter) : { adapter, availability: 'operator' };
  };
}

/** One line per provider: its id (as in its price file) and how env enables it. */
const PROVIDERS: Record<string, ProviderFactory> = {
  anthropic: (env, http) => byKey(env.ANTHROPIC_API_KEY, new AnthropicAdapter(http, { apiKey: env.ANTHROPIC_API_KEY ?? '', baseUrl: env.ANTHROPIC_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS })),
  demo: (env) => (env.DEMO_PROVIDER_ENABLED ? { adapter: new DemoAdapter({ chunkDelayMs: env.DEMO_STREAM_CHUNK_DELAY_MS }), availability: 'operator' } : undefined),
  google: (env, http) => byKey(env.GEMINI_API_KEY, new GeminiAdapter(http, { apiKey: env.GEMINI_API_KEY ?? '', baseUrl: env.GEMINI_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS })),
  ...Object.fromEntries(OPENAI_COMPATIBLE_PROVIDERS.map((provider) => [provider.id, openAiCompatible(provider)])),
};

/**
 * The enabled provider adapters by id; a provider that is not enabled is never offered or routed to. With
 * bring-your-own-key on (BYOK_ENCRYPTION_KEY), providers the operator has no key for are kept apart as own-key-only:
 * routed to only for a workspace that stored its own key for them, and only with that key.
 */
@Injectable()
export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly ownKeyOnly = new Map<string, ProviderAdapter>();

  constructor(env: GatewayEnv, http: UpstreamHttpClient) {
    for (const [id, create] of Object.entries(PROVIDERS)) {
      const setup = create(env, http);
      if (setup?.availability === 'operator') this.adapters.set(id, setup.adapter);
      else if (setup && env.BYOK_ENCRYPTION_KEY) this.ownKeyOnly.set(id, setup.adapter);
    }
  }

  /** The adapter calling with the operator's key (or none needed); undefined for own-key-only and disabled providers. */
  get(providerId: string): ProviderAdapter | undefined {
    return this.adapters.get(providerId);
  }

  /** The adapter calling with a workspace's own key: any provider that takes a key, the operator's own or not. */
  withOwnKey(providerId: string, apiKey: string): ProviderAdapter | undefined {
    return (this.adapters.get(providerId) ?? this.ownKeyOnly.get(providerId))?.withApiKey(apiKey);
  }

  /** A provider the operator has no key for: served only with a workspace's own key. */
  isOwnKeyOnly(providerId: string): boolean {
    return this.ownKeyOnly.has(providerId);
  }

  /** The provider's adapter if it is enabled and serves embeddings. */
  embeddings(providerId: string): EmbeddingsAdapter | undefined {
    const adapter = this.adapters.get(providerId);
    return adapter && servesEmbeddings(adapter) ? adapter : undefined;
  }

  isEnabled(providerId: string): boolean {
    return this.adapters.has(providerId);
  }

  enabledIds(): string[] {
    return [...this.adapters.keys()];
  }
}
