import { z } from 'zod';
import { defineCommand } from '../define-contract';
import { ProviderPreferencesSchema } from '../llm/chat-request.schema';

export const RoutingStrategySchema = z.enum(['cheapest', 'fastest', 'most_reliable', 'balanced']);
export type RoutingStrategy = z.output<typeof RoutingStrategySchema>;

/** One way to serve a model: a provider endpoint with the upstream's own model name. */
export const RouteCandidateSchema = z.object({
  modelId: z.string(),
  providerId: z.string(),
  upstreamModel: z.string(),
});
export type RouteCandidate = z.output<typeof RouteCandidateSchema>;

/** Which endpoints may serve a request, best first. */
export const RouterRouteResolve = defineCommand({
  subject: 'router.route.resolve',
  request: z.object({
    model: z.string().min(1).max(200),
    fallbackModels: z.array(z.string()).max(10).default([]),
    strategy: RoutingStrategySchema.optional(),
    provider: ProviderPreferencesSchema.optional(),
    promptCharacters: z.number().int().min(0).default(0),
    needs: z.object({ tools: z.boolean(), vision: z.boolean(), jsonSchema: z.boolean() }).default({ tools: false, vision: false, jsonSchema: false }),
  }),
  response: z.object({
    requestedModel: z.string(),
    strategy: RoutingStrategySchema,
    candidates: z.array(RouteCandidateSchema).min(1),
  }),
});
