import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AutoRouting, Capability } from './price-table.schema';
import { ProviderPriceFileSchema } from './price-table.schema';

/** Everything needed to price and route one (model, provider) endpoint; money in bigint micros. */
export interface EndpointPrice {
  modelId: string;
  providerId: string;
  upstreamModel: string;
  inputMicrosPerMtok: bigint;
  outputMicrosPerMtok: bigint;
  cacheReadMicrosPerMtok: bigint;
  cacheWriteMicrosPerMtok: bigint;
  reasoningMicrosPerMtok: bigint;
  requestMicros: bigint;
  imageMicros: bigint;
  contextTokensMax: number;
  outputTokensMax: number;
  supports: ReadonlySet<Capability>;
  /** `model: "auto"` ranks `last_resort` endpoints after every other candidate; absent means `candidate`. */
  autoRouting?: AutoRouting;
}

export const DEFAULT_PRICE_DATA_DIR = join(__dirname, '..', '..', 'data');

/** The price table: loaded from data files once at boot, validated, immutable. */
export class PriceTable {
  private readonly byEndpoint = new Map<string, EndpointPrice>();
  private readonly byModel = new Map<string, EndpointPrice[]>();

  constructor(endpoints: EndpointPrice[]) {
    for (const endpoint of endpoints) {
      const key = `${endpoint.providerId}|${endpoint.modelId}`;
      if (this.byEndpoint.has(key)) throw new Error(`duplicate price for ${endpoint.modelId} on ${endpoint.providerId}`);
      this.byEndpoint.set(key, endpoint);
      const list = this.byModel.get(endpoint.modelId) ?? [];
      list.push(endpoint);
      this.byModel.set(endpoint.modelId, list);
    }
  }

  /** Reads every `*.prices.json` in a folder; a bad file stops boot with its name and the problem. */
  static loadFromDirectory(directory: string = DEFAULT_PRICE_DATA_DIR): PriceTable {
    const endpoints: EndpointPrice[] = [];
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.prices.json')).sort()) {
      const parsed = ProviderPriceFileSchema.safeParse(JSON.parse(readFileSync(join(directory, file), 'utf8')));
      if (!parsed.success) throw new Error(`price file ${file} is invalid: ${parsed.error.message}`);
      for (const [modelId, price] of Object.entries(parsed.data.endpoints)) {
        endpoints.push({
          modelId,
          providerId: parsed.data.provider,
          upstreamModel: price.upstream_model,
          inputMicrosPerMtok: BigInt(price.input_micros_per_mtok),
          outputMicrosPerMtok: BigInt(price.output_micros_per_mtok),
          cacheReadMicrosPerMtok: BigInt(price.cache_read_micros_per_mtok ?? price.input_micros_per_mtok),
          cacheWriteMicrosPerMtok: BigInt(price.cache_write_micros_per_mtok ?? price.input_micros_per_mtok),
          reasoningMicrosPerMtok: BigInt(price.reasoning_micros_per_mtok ?? price.output_micros_per_mtok),
          requestMicros: BigInt(price.request_micros ?? 0),
          imageMicros: BigInt(price.image_micros ?? 0),
          contextTokensMax: price.context_tokens_max,
          outputTokensMax: price.output_tokens_max,
          supports: new Set(price.supports),
          autoRouting: price.auto_routing,
        });
      }
    }
    return new PriceTable(endpoints);
  }

  /** The price of one endpoint, or undefined: callers must fail closed (never price at $0). */
  find(providerId: string, modelId: string): EndpointPrice | undefined {
    return this.byEndpoint.get(`${providerId}|${modelId}`);
  }

  endpointsFor(modelId: string): readonly EndpointPrice[] {
    return this.byModel.get(modelId) ?? [];
  }

  modelIds(): string[] {
    return [...this.byModel.keys()].sort();
  }

  all(): EndpointPrice[] {
    return [...this.byEndpoint.values()];
  }
}
