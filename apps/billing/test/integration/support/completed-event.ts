import { randomUUID } from 'node:crypto';
import type { GatewayRequestCompleted } from '@switchyard/contracts';
import type { z } from 'zod';

export type CompletedEventInput = z.input<(typeof GatewayRequestCompleted)['payload']>;

/** A valid gateway.request.completed payload for the demo model; override what the test is about. */
export function completedEvent(overrides: Partial<CompletedEventInput> & Pick<CompletedEventInput, 'workspaceId' | 'holdId'>): CompletedEventInput {
  const now = new Date().toISOString();
  return {
    requestId: `req_${randomUUID().replace(/-/g, '')}`,
    apiKeyId: 'key_test',
    requestedModel: 'demo/echo',
    modelId: 'demo/echo',
    providerId: 'demo',
    surface: 'openai',
    streamed: false,
    outcome: 'succeeded',
    usage: { promptTokens: 1_000, completionTokens: 500, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    webSearchRequests: 0,
    errorCode: null,
    attempts: [],
    startedAt: now,
    completedAt: now,
    latencyMs: 120,
    ttftMs: 40,
    endUserId: null,
    ...overrides,
  };
}
