import type { EventPayload, GatewayRequestCompleted, RequestLogEntryWire } from '@switchyard/contracts';
import type { NewRequestLog } from './request-log.entity';

type CompletedRequest = EventPayload<typeof GatewayRequestCompleted>;

/** The log row of a completed request: its metadata as the gateway reported it (empty header values become null). */
export function requestLogFromEvent(event: CompletedRequest): NewRequestLog {
  return {
    requestId: event.requestId,
    workspaceId: event.workspaceId,
    apiKeyId: event.apiKeyId,
    requestedModel: event.requestedModel,
    modelId: event.modelId,
    providerId: event.providerId,
    surface: event.surface,
    streamed: event.streamed,
    outcome: event.outcome,
    errorCode: event.errorCode,
    strategy: blankToNull(event.strategy),
    autoTier: event.autoTier ?? null,
    latencyMs: event.latencyMs,
    ttftMs: event.ttftMs,
    attempts: event.attempts,
    attemptCount: event.attempts.length,
    endUserId: blankToNull(event.endUserId),
    appTitle: blankToNull(event.appTitle),
    appReferer: blankToNull(event.appReferer),
    startedAt: new Date(event.startedAt),
    completedAt: new Date(event.completedAt),
  };
}

/** A request_logs row joined with its charge, as the read queries select it. */
export interface RequestLogRow {
  request_id: string;
  workspace_id: string;
  api_key_id: string | null;
  requested_model: string;
  model_id: string | null;
  provider_id: string | null;
  surface: string;
  streamed: boolean;
  outcome: 'succeeded' | 'failed' | 'client_aborted';
  error_code: string | null;
  strategy: string | null;
  auto_tier: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: RequestLogEntryWire['attempts'];
  end_user_id: string | null;
  app_title: string | null;
  app_referer: string | null;
  started_at: Date;
  completed_at: Date;
  /** completed_at at full precision (µs), for the keyset cursor. */
  completed_at_key: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_prompt_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  web_search_requests: number;
  cost_micros: string;
  settlement: 'captured' | 'released';
}

/** The select list that produces a RequestLogRow from `request_logs l JOIN charges c`. */
export const REQUEST_LOG_COLUMNS = `
  l.request_id, l.workspace_id, l.api_key_id, l.requested_model, l.model_id, l.provider_id, l.surface, l.streamed,
  l.outcome, l.error_code, l.strategy, l.auto_tier, l.latency_ms, l.ttft_ms, l.attempts, l.end_user_id, l.app_title, l.app_referer,
  l.started_at, l.completed_at,
  to_char(l.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS completed_at_key,
  c.prompt_tokens, c.completion_tokens, c.cached_prompt_tokens, c.cache_write_tokens, c.reasoning_tokens,
  c.web_search_requests, c.cost_micros::text AS cost_micros, c.settlement`;

export function toRequestLogEntry(row: RequestLogRow): RequestLogEntryWire {
  return {
    requestId: row.request_id,
    workspaceId: row.workspace_id,
    apiKeyId: row.api_key_id,
    requestedModel: row.requested_model,
    modelId: row.model_id,
    providerId: row.provider_id,
    surface: row.surface,
    streamed: row.streamed,
    outcome: row.outcome,
    errorCode: row.error_code,
    strategy: row.strategy,
    autoTier: row.auto_tier,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    cachedPromptTokens: row.cached_prompt_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    webSearchRequests: row.web_search_requests,
    costMicros: row.cost_micros,
    settlement: row.settlement,
    latencyMs: row.latency_ms,
    ttftMs: row.ttft_ms,
    attempts: row.attempts,
    endUserId: row.end_user_id,
    appTitle: row.app_title,
    appReferer: row.app_referer,
    startedAt: row.started_at.toISOString(),
    completedAt: row.completed_at.toISOString(),
  };
}

function blankToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
