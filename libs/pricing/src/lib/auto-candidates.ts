import type { EndpointPrice } from './price-table';

/** The model id that asks the gateway to choose. */
export const AUTO_MODEL_ID = 'auto';

/** Upper bound on candidates `auto` returns (a bound on fallbacks, too). */
export const AUTO_CANDIDATES_MAX = 50;

export interface AutoNeeds {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
}

/**
 * Prompt tokens per character for the context check: ordinary text never needs more than one token per
 * character, so this rarely drops an endpoint that would have fit (and a miss is only an upstream 400).
 */
const TOKENS_PER_PROMPT_CHARACTER_MAX = 1;

/**
 * The rule for `model: "auto"`: every chat endpoint (embedding models never) that has what the request needs
 * (tools, vision, json_schema) and whose context window fits the prompt, cheapest first by blended price
 * (3 input : 1 output tokens, the usual chat mix); endpoints marked `last_resort` (the offline demo) after all
 * others. Ties break on model id then provider, so the order is stable. Callers keep only enabled providers.
 */
export function autoCandidates(endpoints: readonly EndpointPrice[], needs: AutoNeeds, promptCharacters = 0): EndpointPrice[] {
  const promptTokensMax = promptCharacters * TOKENS_PER_PROMPT_CHARACTER_MAX;
  return endpoints
    .filter(
      (e) =>
        !e.supports.has('embeddings') &&
        e.outputTokensMax > 0 &&
        (!needs.tools || e.supports.has('tools')) &&
        (!needs.vision || e.supports.has('vision')) &&
        (!needs.jsonSchema || e.supports.has('json_schema')) &&
        promptTokensMax < e.contextTokensMax,
    )
    .sort((a, b) => {
      const lastA = a.autoRouting === 'last_resort' ? 1 : 0;
      const lastB = b.autoRouting === 'last_resort' ? 1 : 0;
      if (lastA !== lastB) return lastA - lastB;
      const priceA = blendedMicrosPerMtok(a);
      const priceB = blendedMicrosPerMtok(b);
      if (priceA !== priceB) return priceA < priceB ? -1 : 1;
      return a.modelId.localeCompare(b.modelId) || a.providerId.localeCompare(b.providerId);
    })
    .slice(0, AUTO_CANDIDATES_MAX);
}

/** Three input tokens to one output token, ×4 so it stays an integer. */
function blendedMicrosPerMtok(endpoint: EndpointPrice): bigint {
  return 3n * endpoint.inputMicrosPerMtok + endpoint.outputMicrosPerMtok;
}
