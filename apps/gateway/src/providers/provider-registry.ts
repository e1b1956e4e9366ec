import { Injectable } from '@nestjs/common';
import type { GatewayEnv } from '../config/gateway.env';
import type { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { AnthropicAdapter } from './anthropic/anthropic.adapter';
import { DemoAdapter } from './demo/demo.adapter';
import { GeminiAdapter } from './gemini/gemini.adapter';
import { OpenAiAdapter } from './openai/openai.adapter';
import type { ProviderAdapter } from './provider-adapter';

type ProviderFactory = (env: GatewayEnv, http: UpstreamHttpClient) => ProviderAdapter | undefined;

/** One line per provider: its id (as in its price file) and how env enables it. */
const PROVIDERS: Record<string, ProviderFactory> = {
  anthropic: (env, http) => (env.ANTHROPIC_API_KEY ? new AnthropicAdapter(http, { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS }) : undefined),
  demo: (env) => (env.DEMO_PROVIDER_ENABLED ? new DemoAdapter() : undefined),
  google: (env, http) => (env.GEMINI_API_KEY ? new GeminiAdapter(http, { apiKey: env.GEMINI_API_KEY, baseUrl: env.GEMINI_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS }) : undefined),
  openai: (env, http) => (env.OPENAI_API_KEY ? new OpenAiAdapter(http, { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS }) : undefined),
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

  isEnabled(providerId: string): boolean {
    return this.adapters.has(providerId);
  }

  enabledIds(): string[] {
    return [...this.adapters.keys()];
  }
}
