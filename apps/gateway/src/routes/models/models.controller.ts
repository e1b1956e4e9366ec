import { Controller, Get } from '@nestjs/common';
import { AUTO_MODEL_ID, autoCandidates, type EndpointPrice, PriceTable } from '@switchyard/pricing';
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
    const endpointsEnabled = this.priceTable.all().filter((endpoint) => this.providers.isEnabled(endpoint.providerId));
    const byModel = new Map<string, EndpointPrice[]>();
    for (const endpoint of endpointsEnabled) byModel.set(endpoint.modelId, [...(byModel.get(endpoint.modelId) ?? []), endpoint]);
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
    const auto = this.autoEntry(endpointsEnabled);
    return { object: 'list' as const, data: auto ? [auto, ...data] : data };
  }

  /**
   * `auto` lets the gateway choose: the prompt's tier (simple, medium, complex, reasoning), then the strategy within it.
   * Its price depends on the model chosen, so pricing says "-1" as OpenRouter does; `cost` in usage is exact.
   */
  private autoEntry(endpoints: EndpointPrice[]) {
    const chat = autoCandidates(endpoints, { tools: false, vision: false, jsonSchema: false });
    if (chat.length === 0) return undefined;
    return {
      id: AUTO_MODEL_ID,
      object: 'model' as const,
      created: MODELS_CREATED_AT,
      owned_by: 'switchyard',
      description: 'Classifies each prompt (simple, medium, complex, reasoning) and routes it to a model of that tier that supports what it needs (tools, vision, json_schema), ranked by the routing strategy.',
      context_length: Math.max(...chat.map((e) => e.contextTokensMax)),
      max_output: Math.max(...chat.map((e) => e.outputTokensMax)),
      capabilities: [...new Set(chat.flatMap((e) => [...e.supports]))].sort(),
      providers: [...new Set(chat.map((e) => e.providerId))].sort(),
      pricing: { prompt: '-1', completion: '-1' },
    };
  }
}
