import { ConfigError } from '@switchyard/config';
import { GatewayEnvSchema, parseProviderSecrets } from '../config/gateway.env';
import type { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { ProviderRegistry } from './provider-registry';

const http = {} as UpstreamHttpClient;
const registryFor = (vars: Record<string, string>) => new ProviderRegistry(GatewayEnvSchema.parse({ GATEWAY_ADMIN_TOKEN: 'a'.repeat(16), DEMO_PROVIDER_ENABLED: 'false', ...vars }), http);

describe('ProviderRegistry from env', () => {
  it('enables nothing without keys (the local server needs its base URL)', () => {
    expect(registryFor({}).enabledIds()).toEqual([]);
  });

  it('enables each OpenAI-compatible provider by its <PREFIX>_API_KEY', () => {
    const registry = registryFor({ DEEPSEEK_API_KEY: 'k1', XAI_API_KEY: 'k2', GROQ_API_KEY: 'k3', MISTRAL_API_KEY: 'k4', TOGETHER_API_KEY: 'k5', FIREWORKS_API_KEY: 'k6', QWEN_API_KEY: 'k7', LLAMA_API_KEY: 'k8', OPENAI_API_KEY: 'k9' });
    expect(registry.enabledIds().sort()).toEqual(['deepseek', 'fireworks', 'groq', 'llama', 'mistral', 'openai', 'qwen', 'together', 'xai']);
    expect(registry.get('deepseek')?.id).toBe('deepseek');
    expect(registry.embeddings('openai')).toBeDefined();
  });

  it('enables the local server by LOCAL_OPENAI_BASE_URL alone; a key alone does not', () => {
    expect(registryFor({ LOCAL_OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).enabledIds()).toEqual(['local']);
    expect(registryFor({ LOCAL_OPENAI_API_KEY: 'k' }).enabledIds()).toEqual([]);
  });

  it('with BYOK on, keeps providers the operator has no key for as own-key-only: never served without a workspace key', () => {
    const registry = registryFor({ BYOK_ENCRYPTION_KEY: 'k'.repeat(44), OPENAI_API_KEY: 'sk-op', MISTRAL_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(registry.enabledIds()).toEqual(['openai']);
    expect(registry.get('mistral')).toBeUndefined();
    expect(registry.isOwnKeyOnly('mistral')).toBe(true);
    expect(registry.isOwnKeyOnly('anthropic')).toBe(true);
    expect(registry.isOwnKeyOnly('openai')).toBe(false);
    expect(registry.withOwnKey('mistral', 'sk-ws')?.id).toBe('mistral');
    expect(registry.withOwnKey('openai', 'sk-ws')?.id).toBe('openai');
    // Keyless servers and the demo take no key; unknown providers do not exist.
    expect(registry.isOwnKeyOnly('local')).toBe(false);
    expect(registry.withOwnKey('acme', 'sk-ws')).toBeUndefined();
  });

  it('without BYOK, a provider without an operator key is simply off', () => {
    const registry = registryFor({ MISTRAL_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(registry.isOwnKeyOnly('mistral')).toBe(false);
    expect(registry.withOwnKey('mistral', 'sk-ws')).toBeUndefined();
  });

  it('rejects a malformed base URL at boot', () => {
    expect(() => registryFor({ GROQ_API_KEY: 'k', GROQ_BASE_URL: 'not a url' })).toThrow();
  });
});

describe('provider secrets file', () => {
  it('takes *_API_KEY strings', () => {
    expect(parseProviderSecrets(JSON.stringify({ DEEPSEEK_API_KEY: 'sk-ds', GROQ_API_KEY: 'gsk' }), '/run/secrets/providers.json')).toEqual({ DEEPSEEK_API_KEY: 'sk-ds', GROQ_API_KEY: 'gsk' });
  });

  it('names bad entries without showing any value', () => {
    const attempt = () => parseProviderSecrets(JSON.stringify({ DEEPSEEK_API_KEY: 42, DATABASE_URL: 'postgres://user:pw@db' }), '/s.json');
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(['PROVIDER_SECRETS_FILE: DEEPSEEK_API_KEY must be a non-empty string', 'PROVIDER_SECRETS_FILE: entry "DATABASE_URL" is not a *_API_KEY name']);
      expect((error as Error).message).not.toContain('pw@db');
    }
    expect(() => parseProviderSecrets('{"OPENAI_API_KEY": "sk-', '/s.json')).toThrow(/is not a JSON object/);
    expect(() => parseProviderSecrets('{"OPENAI_API_KEY": "sk-', '/s.json')).not.toThrow(/sk-/);
  });
});
