import { type ChatRequest, type RoutingStrategy, RoutingStrategySchema, type RoutingTier } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { AUTO_MODEL_ID } from '@switchyard/pricing';
import { messageText } from '../metering/token-counter';
import { classifyPrompt } from './prompt-tier.classifier';

/** What a request needs from an endpoint; the first three always filter, the rest only with `provider.require_parameters`. */
export interface EndpointNeeds {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
  jsonObject: boolean;
  reasoning: boolean;
  pdf: boolean;
}

/** Everything routing reads from one request, computed once. */
export interface RouteQuery {
  model: string;
  /** `models: [...]` after the first, in order, without repeats. */
  fallbackModels: string[];
  strategy: RoutingStrategy;
  /** Whether the caller chose the strategy (header or `provider.sort`) or got the default. */
  strategyExplicit: boolean;
  needs: EndpointNeeds;
  requireParameters: boolean;
  /** Upper-side estimate of the prompt's tokens, for the context-window filter. */
  promptTokensEstimate: number;
  order?: string[];
  only?: string[];
  ignore?: string[];
  allowFallbacks: boolean;
  /** `provider.max_price` in micro-USD per million tokens. */
  maxPromptMicrosPerMtok?: bigint;
  maxCompletionMicrosPerMtok?: bigint;
  denyDataCollection: boolean;
  /** Set when `auto` is among the models asked for. */
  autoTier?: RoutingTier;
  /** Providers the caller's workspace has its own key for; own-key-only providers outside it are never candidates. */
  ownKeyProviders?: ReadonlySet<string>;
}

export const DEFAULT_STRATEGY: RoutingStrategy = 'balanced';

/**
 * Characters per token assumed by the context-window filter. Text averages ~4 characters per token; 3 errs towards
 * skipping an endpoint near its limit, because an upstream context error ends the request (it is not fallen over).
 */
const CHARACTERS_PER_TOKEN_ESTIMATE = 3;

export function routeQuery(request: ChatRequest, strategyHeader: string | undefined): RouteQuery {
  const explicit = strategyFrom(request, strategyHeader);
  const models = [request.model, ...(request.models ?? [])];
  const provider = request.provider ?? {};
  const wantsAuto = models.includes(AUTO_MODEL_ID);
  return {
    model: request.model,
    fallbackModels: [...new Set(models)].filter((m) => m !== request.model),
    strategy: explicit ?? DEFAULT_STRATEGY,
    strategyExplicit: explicit !== undefined,
    needs: endpointNeeds(request),
    requireParameters: provider.require_parameters === true,
    promptTokensEstimate: Math.ceil(promptCharacters(request) / CHARACTERS_PER_TOKEN_ESTIMATE),
    order: provider.order,
    only: provider.only,
    ignore: provider.ignore,
    allowFallbacks: provider.allow_fallbacks !== false,
    maxPromptMicrosPerMtok: usdPerMtokToMicros(provider.max_price?.prompt, 'provider.max_price.prompt'),
    maxCompletionMicrosPerMtok: usdPerMtokToMicros(provider.max_price?.completion, 'provider.max_price.completion'),
    denyDataCollection: provider.data_collection === 'deny',
    autoTier: wantsAuto ? classifyPrompt(request).tier : undefined,
  };
}

/** `x-routing-strategy` wins over `provider.sort` (price → cheapest; latency and throughput → fastest). */
export function strategyFrom(request: ChatRequest, header: string | undefined): RoutingStrategy | undefined {
  if (header !== undefined) {
    const fromHeader = RoutingStrategySchema.safeParse(header.trim().toLowerCase());
    if (fromHeader.success) return fromHeader.data;
  }
  switch (request.provider?.sort) {
    case 'price':
      return 'cheapest';
    case 'latency':
    case 'throughput':
      return 'fastest';
    default:
      return undefined;
  }
}

function endpointNeeds(request: ChatRequest): EndpointNeeds {
  let vision = false;
  let pdf = false;
  for (const message of request.messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type === 'image_url') vision = true;
      else if (part.type === 'file') pdf = true;
    }
  }
  return {
    tools: (request.tools?.length ?? 0) > 0,
    vision,
    jsonSchema: request.response_format?.type === 'json_schema',
    jsonObject: request.response_format?.type === 'json_object',
    reasoning: request.reasoning !== undefined || request.reasoning_effort !== undefined,
    pdf,
  };
}

function promptCharacters(request: ChatRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += messageText(message).length;
  for (const tool of request.tools ?? []) characters += (tool.function.description?.length ?? 0) + (tool.function.parameters ? JSON.stringify(tool.function.parameters).length : 0);
  return characters;
}

const USD_DECIMAL = /^(\d{1,9})(?:\.(\d{1,12}))?$/;

/**
 * `max_price` (USD per million tokens, a number or a decimal string) → micro-USD per million tokens, rounded down so
 * the limit never admits more than the caller allowed; undefined when absent, a 400 when unreadable.
 */
export function usdPerMtokToMicros(value: number | string | undefined, param: string): bigint | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'number' ? (Number.isFinite(value) && value >= 0 ? value.toFixed(12) : '') : value.trim();
  const match = USD_DECIMAL.exec(text);
  if (!match) throw new AppError('invalid_request', `${param} must be a non-negative USD amount per million tokens.`, { param });
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(match[1]) * 1_000_000n + BigInt(fraction);
}
