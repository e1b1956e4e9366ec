import { GatewayRequestCompleted, RequestLogEntry } from '@switchyard/contracts';
import { type RequestLogRow, requestLogFromEvent, toRequestLogEntry } from './request-log.mapper';

const event = GatewayRequestCompleted.payload.parse({
  requestId: 'gen-abc',
  holdId: 'gen-abc',
  workspaceId: '0b3f6a52-4a55-4a8e-9d59-7c1f0f0c6a11',
  apiKeyId: 'key-1',
  requestedModel: 'openai/gpt-4o-mini',
  modelId: 'demo/echo',
  providerId: 'demo',
  surface: 'openai',
  streamed: true,
  outcome: 'succeeded',
  usage: { promptTokens: 12, completionTokens: 30, reasoningTokens: 4 },
  attempts: [
    { providerId: 'openai', modelId: 'openai/gpt-4o-mini', outcome: 'failed', httpStatus: 429, errorCode: 'rate_limited', latencyMs: 15 },
    { providerId: 'demo', modelId: 'demo/echo', outcome: 'succeeded', latencyMs: 40, ttftMs: 9 },
  ],
  startedAt: '2025-03-10T17:45:12.000Z',
  completedAt: '2025-03-10T17:45:12.345Z',
  latencyMs: 345,
  ttftMs: 30,
  endUserId: 'user-7',
  appTitle: 'My App',
  appReferer: '  ',
  strategy: 'cheapest',
  autoTier: 'medium',
});

describe('request log mapping', () => {
  it('keeps every metadata field of the event, no text, and counts the attempts', () => {
    expect(requestLogFromEvent(event)).toEqual({
      requestId: 'gen-abc',
      workspaceId: event.workspaceId,
      apiKeyId: 'key-1',
      requestedModel: 'openai/gpt-4o-mini',
      modelId: 'demo/echo',
      providerId: 'demo',
      surface: 'openai',
      streamed: true,
      outcome: 'succeeded',
      errorCode: null,
      strategy: 'cheapest',
      autoTier: 'medium',
      latencyMs: 345,
      ttftMs: 30,
      attempts: event.attempts,
      attemptCount: 2,
      endUserId: 'user-7',
      appTitle: 'My App',
      // A blank header is no attribution.
      appReferer: null,
      startedAt: new Date('2025-03-10T17:45:12.000Z'),
      completedAt: new Date('2025-03-10T17:45:12.345Z'),
    });
  });

  it('turns a joined row into a wire entry the contract accepts, money as a string', () => {
    const log = requestLogFromEvent(event);
    const row: RequestLogRow = {
      request_id: log.requestId,
      workspace_id: log.workspaceId,
      api_key_id: log.apiKeyId,
      requested_model: log.requestedModel,
      model_id: log.modelId,
      provider_id: log.providerId,
      surface: log.surface,
      streamed: log.streamed,
      outcome: log.outcome,
      error_code: null,
      strategy: log.strategy,
      auto_tier: log.autoTier,
      latency_ms: 345,
      ttft_ms: 30,
      attempts: log.attempts,
      end_user_id: 'user-7',
      app_title: 'My App',
      app_referer: null,
      started_at: log.startedAt,
      completed_at: log.completedAt,
      completed_at_key: '2025-03-10T17:45:12.345000Z',
      prompt_tokens: 12,
      completion_tokens: 30,
      cached_prompt_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 4,
      web_search_requests: 0,
      cost_micros: '21',
      settlement: 'captured',
    };
    const entry = toRequestLogEntry(row);
    expect(entry).toMatchObject({ requestId: 'gen-abc', costMicros: '21', completedAt: '2025-03-10T17:45:12.345Z', reasoningTokens: 4, attempts: event.attempts });
    expect(RequestLogEntry.parse(entry)).toMatchObject({ costMicros: 21n, modelId: 'demo/echo', requestedModel: 'openai/gpt-4o-mini' });
  });
});
