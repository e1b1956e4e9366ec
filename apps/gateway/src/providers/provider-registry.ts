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

type ProviderFactory = (env: GatewayEnv, http: UpstreamHttpClient) => ProviderAdapter | undefined;

/**
 * An OpenAI-compatible provider is enabled by its key (`<PREFIX>_API_KEY`), or, for servers that take none, by
 * its base URL (`<PREFIX>_BASE_URL`); the base URL defaults to the provider's public one.
 */
function openAiCompatible(provider: OpenAiCompatibleProvider & { envPrefix: OpenAiCompatibleEnvPrefix }): ProviderFactory {
  return (env, http) => {
    const apiKey = env[`${provider.envPrefix}_API_KEY`];
    const configuredBaseUrl = env[`${provider.envPrefix}_BASE_URL`];
    const baseUrl = configuredBaseUrl ?? provider.defaultBaseUrl;
    if (!baseUrl || (provider.apiKeyRequired && !apiKey) || (!provider.apiKeyRequired && !configuredBaseUrl)) return undefined;
    return new OpenAiCompatibleAdapter(http, provider, { apiKey, baseUrl, timeoutMs: env.UPSTREAM_TIMEOUT_MS });
  };
}

/** One line per provider: its id (as in its price file) and how env enables it. */
const PROVIDERS: Record<string, ProviderFactory> = {
  anthropic: (env, http) => (env.ANTHROPIC_API_KEY ? new AnthropicAdapter(http, { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS }) : undefined),
  demo: (env) => (env.DEMO_PROVIDER_ENABLED ? new DemoAdapter() : undefined),
  google: (env, http) => (env.GEMINI_API_KEY ? new GeminiAdapter(http, { apiKey: env.GEMINI_API_KEY, baseUrl: env.GEMINI_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS }) : undefined),
  ...Object.fromEntries(OPENAI_COMPATIBLE_PROVIDERS.map((provider) => [provider.id, openAiCompatible(provider)])),
};

/** The enabled provider adapters by id; a provider that is not enabled is never offered or routed to. */
@Injectable()
export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(env: GatewayEnv, http: UpstreamHttpClient) {
    for (const [id, create] of Object.entries(PROVIDERS)) {
      const adapter = create(env, http);
      if (adapter) this.adapters.set(id, adapter);
    }
  }

  get(providerId: string): ProviderAdapter | undefined {
    return this.adapters.get(providerId);
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
