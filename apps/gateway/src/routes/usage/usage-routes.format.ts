import type { BillingUsageQuery, CommandResponse, LedgerStatementLine, RequestContent, RequestLogRecord } from '@switchyard/contracts';
import { microsToUsd } from '@switchyard/money';
import type { z } from 'zod';

type UsageReport = CommandResponse<typeof BillingUsageQuery>;
type Totals = UsageReport['totals'];

/** Totals in snake_case; money twice: exact micro-USD and the USD decimal string, both strings. */
export function formatTotals(totals: Totals) {
  return {
    requests: totals.requests,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    total_tokens: totals.promptTokens + totals.completionTokens,
    cached_tokens: totals.cachedPromptTokens,
    cache_write_tokens: totals.cacheWriteTokens,
    reasoning_tokens: totals.reasoningTokens,
    web_search_requests: totals.webSearchRequests,
    cost_micros: totals.costMicros.toString(),
    cost: microsToUsd(totals.costMicros),
  };
}

/** `GET /api/v1/usage`: totals and breakdowns by model, key, end user, app and day, and per-day series by model and by key (top
 * `USAGE_SERIES_TOP` of the window, the rest as one `other: true` row per day). */
export function formatUsageReport(report: UsageReport) {
  return {
    data: {
      days: report.days,
      since: report.since,
      totals: formatTotals(report.totals),
      by_model: report.byModel.map((row) => ({ model: row.modelId, provider: row.providerId, ...formatTotals(row) })),
      by_key: report.byKey.map((row) => ({ api_key_id: row.apiKeyId, ...formatTotals(row) })),
      by_user: report.byEndUser.map((row) => ({ user: row.endUserId, ...formatTotals(row) })),
      by_app: report.byApp.map((row) => ({ app_title: row.appTitle, http_referer: row.appReferer, ...formatTotals(row) })),
      by_day: report.byDay.map((row) => ({ date: row.day, ...formatTotals(row) })),
      by_day_model: report.byDayModel.map((row) => ({ date: row.day, model: row.modelId, other: row.other, ...formatTotals(row) })),
      by_day_key: report.byDayKey.map((row) => ({ date: row.day, api_key_id: row.apiKeyId, other: row.other, ...formatTotals(row) })),
      truncated: report.truncated,
    },
  };
}

const API_TYPES: Record<string, string> = { embeddings: 'embeddings' };

/**
 * `GET /api/v1/generation`: OpenRouter's generation fields we know, plus what Switchyard adds (requested model,
 * strategy, outcome, exact micros, every attempt). `latency` is time to first token (the whole request when
 * nothing streamed), `generation_time` the rest, as OpenRouter reports them. `prompt`, `completion`, `tool_calls` and
 * `content_truncated` only when the workspace opted in to content logging and the content is still retained.
 */
export function formatGeneration(entry: RequestLogRecord & { content?: RequestContent }) {
  const firstTokenMs = entry.ttftMs ?? entry.latencyMs;
  return {
    data: {
      id: entry.requestId,
      request_id: entry.requestId,
      created_at: entry.startedAt,
      completed_at: entry.completedAt,
      model: entry.modelId ?? entry.requestedModel,
      requested_model: entry.requestedModel,
      provider_name: entry.providerId,
      api_type: API_TYPES[entry.surface] ?? 'completions',
      surface: entry.surface,
      strategy: entry.strategy,
      auto_tier: entry.autoTier,
      streamed: entry.streamed,
      cancelled: entry.outcome === 'client_aborted',
      outcome: entry.outcome,
      error_code: entry.errorCode,
      // The completed event does not carry the finish reason yet.
      finish_reason: null,
      native_finish_reason: null,
      tokens_prompt: entry.promptTokens,
      tokens_completion: entry.completionTokens,
      native_tokens_prompt: entry.promptTokens,
      native_tokens_completion: entry.completionTokens,
      native_tokens_reasoning: entry.reasoningTokens,
      native_tokens_cached: entry.cachedPromptTokens,
      native_tokens_cache_write: entry.cacheWriteTokens,
      num_media_prompt: null,
      num_media_completion: null,
      num_search_results: null,
      web_search_requests: entry.webSearchRequests,
      total_cost: microsToUsd(entry.costMicros),
      usage: microsToUsd(entry.costMicros),
      cost_micros: entry.costMicros.toString(),
      settlement: entry.settlement,
      cache_discount: null,
      upstream_inference_cost: null,
      is_byok: false,
      latency: firstTokenMs,
      generation_time: Math.max(0, entry.latencyMs - (entry.ttftMs ?? 0)),
      moderation_latency: null,
      latency_ms: entry.latencyMs,
      ttft_ms: entry.ttftMs,
      provider_responses: entry.attempts.map((attempt) => ({
        provider_name: attempt.providerId,
        model: attempt.modelId,
        status: attempt.httpStatus ?? null,
        outcome: attempt.outcome,
        error_code: attempt.errorCode ?? null,
        latency: attempt.latencyMs,
        ttft_ms: attempt.ttftMs ?? null,
        is_byok: false,
      })),
      external_user: entry.endUserId,
      app_title: entry.appTitle,
      http_referer: entry.appReferer,
      api_key_id: entry.apiKeyId,
      workspace_id: entry.workspaceId,
      ...(entry.content
        ? { prompt: entry.content.prompt, completion: entry.content.completion, tool_calls: entry.content.toolCalls, content_truncated: entry.content.truncated }
        : {}),
    },
  };
}

/** One `GET /api/v1/logs` row: requested vs served model, strategy, timings, cost, outcome and fallbacks. */
export function formatLogEntry(entry: RequestLogRecord) {
  return {
    id: entry.requestId,
    created_at: entry.completedAt,
    started_at: entry.startedAt,
    requested_model: entry.requestedModel,
    model: entry.modelId,
    provider: entry.providerId,
    strategy: entry.strategy,
    auto_tier: entry.autoTier,
    surface: entry.surface,
    streamed: entry.streamed,
    outcome: entry.outcome,
    error_code: entry.errorCode,
    tokens_prompt: entry.promptTokens,
    tokens_completion: entry.completionTokens,
    tokens_cached: entry.cachedPromptTokens,
    tokens_reasoning: entry.reasoningTokens,
    web_search_requests: entry.webSearchRequests,
    cost_micros: entry.costMicros.toString(),
    cost: microsToUsd(entry.costMicros),
    latency_ms: entry.latencyMs,
    ttft_ms: entry.ttftMs,
    attempts: entry.attempts.length,
    // Every attempt after the first was a fallback (another provider or model, before the first byte).
    fallbacks: Math.max(0, entry.attempts.length - 1),
    api_key_id: entry.apiKeyId,
    user: entry.endUserId,
    app_title: entry.appTitle,
    http_referer: entry.appReferer,
  };
}

type StatementLine = z.output<typeof LedgerStatementLine>;

/** One `GET /api/v1/transactions` row: a transfer on the workspace's credit account, from the workspace's side. */
export function formatTransaction(line: StatementLine) {
  return {
    id: line.transferId,
    created_at: line.createdAt,
    kind: line.kind,
    direction: line.direction,
    amount_micros: line.amountMicros,
    amount_usd: microsToUsd(BigInt(line.amountMicros)),
    balance_micros: line.balanceMicros,
    reason: line.reason,
    counterparty: line.counterpartyCode,
    request_id: transactionRequestId(line),
  };
}

/** The gateway request a transfer belongs to: hold transfers are journaled under `hold:<hold id>`, and the hold id is the request id. */
function transactionRequestId(line: StatementLine): string | null {
  const fromMetadata = line.metadata['requestId'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  return line.journalKey.startsWith('hold:') ? line.journalKey.slice('hold:'.length) : null;
}
