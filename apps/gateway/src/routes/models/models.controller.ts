import { Controller, Get } from '@nestjs/common';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { ProviderRegistry } from '../../providers/provider-registry';

const MODELS_CREATED_AT = 1_735_689_600; // 2025-01-01, a stable `created` for catalog entries

/** micro-USD per million tokens → USD per token, exact decimal string (1e-12 scale). */
export function usdPerToken(microsPerMtok: bigint): string {
  const scaled = microsPerMtok.toString().padStart(13, '0');
  const whole = scaled.slice(0, -12);
  const fraction = scaled.slice(-12).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** `GET /v1/models`: the OpenAI list shape with OpenRouter-style pricing, context and capabilities; enabled providers only. */
@Controller()
export class ModelsController {
  constructor(
    private readonly priceTable: PriceTable,
    private readonly providers: ProviderRegistry,
  ) {}

  @Get(['v1/models', 'api/v1/models'])
  list() {
    const byModel = new Map<string, EndpointPrice[]>();
    for (const endpoint of this.priceTable.all()) {
      if (!this.providers.isEnabled(endpoint.providerId)) continue;
      byModel.set(endpoint.modelId, [...(byModel.get(endpoint.modelId) ?? []), endpoint]);
    }
    const data = [...byModel.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([modelId, endpoints]) => {
        const cheapest = [...endpoints].sort((a, b) => Number(a.inputMicrosPerMtok + a.outputMicrosPerMtok - (b.inputMicrosPerMtok + b.outputMicrosPerMtok)))[0];
        return {
          id: modelId,
          object: 'model' as const,
          created: MODELS_CREATED_AT,
          owned_by: cheapest.providerId,
          context_length: Math.max(...endpoints.map((e) => e.contextTokensMax)),
          max_output: Math.max(...endpoints.map((e) => e.outputTokensMax)),
          capabilities: [...new Set(endpoints.flatMap((e) => [...e.supports]))].sort(),
          providers: endpoints.map((e) => e.providerId),
          pricing: {
            prompt: usdPerToken(cheapest.inputMicrosPerMtok),
            completion: usdPerToken(cheapest.outputMicrosPerMtok),
            input_cache_read: usdPerToken(cheapest.cacheReadMicrosPerMtok),
            request: usdPerToken(cheapest.requestMicros * 1_000_000n),
            prompt_micros_per_mtok: cheapest.inputMicrosPerMtok.toString(),
            completion_micros_per_mtok: cheapest.outputMicrosPerMtok.toString(),
            cache_read_micros_per_mtok: cheapest.cacheReadMicrosPerMtok.toString(),
            request_micros: cheapest.requestMicros.toString(),
          },
        };
      });
    return { object: 'list' as const, data };
  }
}
