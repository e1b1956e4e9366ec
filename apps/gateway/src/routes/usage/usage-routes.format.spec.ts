import { RequestLogEntry } from '@switchyard/contracts';
import { formatGeneration, formatLogEntry, formatTotals, formatTransaction, formatUsageReport } from './usage-routes.format';

const entry = RequestLogEntry.parse({
  requestId: 'gen-abc',
  workspaceId: '0b3f6a52-4a55-4a8e-9d59-7c1f0f0c6a11',
  apiKeyId: 'key-1',
  requestedModel: 'openai/gpt-4o-mini',
  modelId: 'demo/echo',
  providerId: 'demo',
  surface: 'openai',
  streamed: true,
  outcome: 'succeeded',
  errorCode: null,
  strategy: 'cheapest',
  autoTier: null,
  promptTokens: 12,
  completionTokens: 30,
  cachedPromptTokens: 2,
  cacheWriteTokens: 0,
  reasoningTokens: 4,
  webSearchRequests: 1,
  costMicros: '1234567',
  settlement: 'captured',
  latencyMs: 345,
  ttftMs: 30,
  attempts: [
    { providerId: 'openai', modelId: 'openai/gpt-4o-mini', outcome: 'failed', httpStatus: 429, errorCode: 'rate_limited', latencyMs: 15 },
    { providerId: 'demo', modelId: 'demo/echo', outcome: 'succeeded', latencyMs: 40, ttftMs: 9 },
  ],
  endUserId: 'user-7',
  appTitle: 'My App',
  appReferer: 'https://app.example',
  startedAt: '2025-03-10T17:45:12.000Z',
  completedAt: '2025-03-10T17:45:12.345Z',
});

const totals = { requests: 3, promptTokens: 100, completionTokens: 50, cachedPromptTokens: 10, cacheWriteTokens: 0, reasoningTokens: 5, webSearchRequests: 0, costMicros: 90n };

describe('usage routes formatting', () => {
  it('renders totals with exact micros and a USD decimal string, both strings', () => {
    expect(formatTotals(totals)).toEqual({
      requests: 3,
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      cached_tokens: 10,
      cache_write_tokens: 0,
      reasoning_tokens: 5,
      web_search_requests: 0,
      cost_micros: '90',
      cost: '0.000090',
    });
  });

  it('renders every breakdown of the usage report under its snake_case name', () => {
    const body = formatUsageReport({
      days: 7,
      since: '2025-03-04T00:00:00.000Z',
      totals,
      byDay: [{ day: '2025-03-10', ...totals }],
      byDayModel: [
        { day: '2025-03-10', modelId: 'demo/echo', other: false, ...totals },
        { day: '2025-03-10', modelId: null, other: true, ...totals },
      ],
      byDayKey: [{ day: '2025-03-10', apiKeyId: 'key-1', other: false, ...totals }],
      byModel: [{ modelId: 'demo/echo', providerId: 'demo', ...totals }],
      byKey: [{ apiKeyId: 'key-1', ...totals }],
      byEndUser: [{ endUserId: null, ...totals }],
      byApp: [{ appTitle: 'My App', appReferer: null, ...totals }],
      truncated: false,
    });
    expect(body.data).toMatchObject({
      days: 7,
      totals: { cost_micros: '90' },
      by_day: [{ date: '2025-03-10', requests: 3 }],
      by_day_model: [
        { date: '2025-03-10', model: 'demo/echo', other: false, requests: 3, cost_micros: '90', cost: '0.000090' },
        { date: '2025-03-10', model: null, other: true, requests: 3 },
      ],
      by_day_key: [{ date: '2025-03-10', api_key_id: 'key-1', other: false, cost_micros: '90' }],
      by_model: [{ model: 'demo/echo', provider: 'demo', cost: '0.000090' }],
      by_key: [{ api_key_id: 'key-1' }],
      by_user: [{ user: null }],
      by_app: [{ app_title: 'My App', http_referer: null }],
      truncated: false,
    });
  });

  it('renders a generation in OpenRouter shape with the exact cost and every attempt', () => {
    const { data } = formatGeneration(entry);
    expect(data).toMatchObject({
      id: 'gen-abc',
      model: 'demo/echo',
      requested_model: 'openai/gpt-4o-mini',
      provider_name: 'demo',
      api_type: 'completions',
      streamed: true,
      cancelled: false,
      tokens_prompt: 12,
      tokens_completion: 30,
      native_tokens_reasoning: 4,
      native_tokens_cached: 2,
      total_cost: '1.234567',
      cost_micros: '1234567',
      latency: 30,
      generation_time: 315,
      latency_ms: 345,
      ttft_ms: 30,
      external_user: 'user-7',
      app_title: 'My App',
      http_referer: 'https://app.example',
      strategy: 'cheapest',
    });
    expect(data.provider_responses).toEqual([
      { provider_name: 'openai', model: 'openai/gpt-4o-mini', status: 429, outcome: 'failed', error_code: 'rate_limited', latency: 15, ttft_ms: null, is_byok: false },
      { provider_name: 'demo', model: 'demo/echo', status: null, outcome: 'succeeded', error_code: null, latency: 40, ttft_ms: 9, is_byok: false },
    ]);
  });

  it('reports a request that never reached a model by its requested model, and no first token as the whole latency', () => {
    const failed = { ...entry, modelId: null, providerId: null, outcome: 'client_aborted' as const, ttftMs: null, attempts: [] };
    expect(formatGeneration(failed).data).toMatchObject({ model: 'openai/gpt-4o-mini', provider_name: null, cancelled: true, latency: 345, generation_time: 345, provider_responses: [] });
  });

  it('renders a log row with requested vs served model and the fallbacks taken', () => {
    expect(formatLogEntry(entry)).toMatchObject({
      id: 'gen-abc',
      created_at: '2025-03-10T17:45:12.345Z',
      requested_model: 'openai/gpt-4o-mini',
      model: 'demo/echo',
      provider: 'demo',
      strategy: 'cheapest',
      outcome: 'succeeded',
      cost_micros: '1234567',
      cost: '1.234567',
      latency_ms: 345,
      ttft_ms: 30,
      attempts: 2,
      fallbacks: 1,
      user: 'user-7',
    });
    expect(formatLogEntry({ ...entry, attempts: [] })).toMatchObject({ attempts: 0, fallbacks: 0 });
  });

  it('renders a ledger line from the workspace side, naming the request of hold transfers', () => {
    const line = {
      transferId: '42',
      createdAt: '2025-03-10T17:45:12.345Z',
      kind: 'post' as const,
      direction: 'debit' as const,
      counterpartyCode: 'revenue:usage',
      amountMicros: '1500',
      reason: 'usage_capture',
      idempotencyKey: 'resolve:gen-abc',
      journalKey: 'hold:gen-abc',
      pendingId: '41',
      balanceMicros: '998500',
      metadata: {},
    };
    expect(formatTransaction(line)).toEqual({
      id: '42',
      created_at: '2025-03-10T17:45:12.345Z',
      kind: 'post',
      direction: 'debit',
      amount_micros: '1500',
      amount_usd: '0.001500',
      balance_micros: '998500',
      reason: 'usage_capture',
      counterparty: 'revenue:usage',
      request_id: 'gen-abc',
    });
    expect(formatTransaction({ ...line, journalKey: 'operator-grant:x', metadata: {} }).request_id).toBeNull();
  });
});
