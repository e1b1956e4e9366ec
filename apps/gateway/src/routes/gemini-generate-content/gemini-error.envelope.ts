import type { AppError, ErrorCode } from '@switchyard/errors';

/** google.rpc.Code names, as the Gemini API puts them in `error.status`. */
export type GoogleRpcStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

/** Every error code's Google status; the HTTP status stays the one from our error table (402 for credits). */
const GOOGLE_STATUS: Record<ErrorCode, GoogleRpcStatus> = {
  invalid_request: 'INVALID_ARGUMENT',
  context_length_exceeded: 'INVALID_ARGUMENT',
  request_too_large: 'INVALID_ARGUMENT',
  model_not_priced: 'INVALID_ARGUMENT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'PERMISSION_DENIED',
  model_not_allowed: 'PERMISSION_DENIED',
  provider_not_allowed: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  model_not_found: 'NOT_FOUND',
  conflict: 'ABORTED',
  insufficient_balance: 'RESOURCE_EXHAUSTED',
  payment_required: 'RESOURCE_EXHAUSTED',
  per_request_cost_limit_exceeded: 'RESOURCE_EXHAUSTED',
  daily_budget_exceeded: 'RESOURCE_EXHAUSTED',
  monthly_budget_exceeded: 'RESOURCE_EXHAUSTED',
  key_credit_limit_exceeded: 'RESOURCE_EXHAUSTED',
  rate_limited: 'RESOURCE_EXHAUSTED',
  requests_per_minute_exceeded: 'RESOURCE_EXHAUSTED',
  requests_per_day_exceeded: 'RESOURCE_EXHAUSTED',
  tokens_per_minute_exceeded: 'RESOURCE_EXHAUSTED',
  upstream_rate_limited: 'RESOURCE_EXHAUSTED',
  upstream_timeout: 'DEADLINE_EXCEEDED',
  upstream_error: 'UNAVAILABLE',
  service_unavailable: 'UNAVAILABLE',
  internal: 'INTERNAL',
};

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    status: GoogleRpcStatus;
    /** google.rpc.ErrorInfo (our code as `reason`, details as string metadata) and RetryInfo when we know the delay. */
    details: Array<Record<string, unknown>>;
  };
}

/** The Gemini API's error envelope (google.rpc.Status in JSON), which @google/genai turns into an ApiError. */
export function toGeminiErrorBody(error: AppError, requestId?: string): GeminiErrorBody {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(error.details ?? {})) metadata[key] = typeof value === 'string' ? value : JSON.stringify(value);
  if (error.param) metadata.param = error.param;
  if (requestId) metadata.request_id = requestId;
  const details: Array<Record<string, unknown>> = [{ '@type': ERROR_INFO_TYPE, reason: error.code.toUpperCase(), domain: 'switchyard', metadata }];
  if (error.retryAfterMs !== undefined) details.push({ '@type': RETRY_INFO_TYPE, retryDelay: `${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}s` });
  return { error: { code: error.httpStatus, message: error.message, status: GOOGLE_STATUS[error.code], details } };
}
