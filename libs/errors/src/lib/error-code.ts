/** The one error table: every code's HTTP status, OpenAI error `type` and retryability. */
export const ERROR_TABLE = {
  invalid_request: { httpStatus: 400, type: 'invalid_request_error', retryable: false },
  context_length_exceeded: { httpStatus: 400, type: 'invalid_request_error', retryable: false },
  request_too_large: { httpStatus: 413, type: 'invalid_request_error', retryable: false },
  unauthenticated: { httpStatus: 401, type: 'authentication_error', retryable: false },
  forbidden: { httpStatus: 403, type: 'permission_error', retryable: false },
  not_found: { httpStatus: 404, type: 'invalid_request_error', retryable: false },
  model_not_found: { httpStatus: 404, type: 'invalid_request_error', retryable: false },
  model_not_priced: { httpStatus: 400, type: 'invalid_request_error', retryable: false },
  conflict: { httpStatus: 409, type: 'invalid_request_error', retryable: false },
  insufficient_balance: { httpStatus: 402, type: 'insufficient_quota', retryable: false },
  payment_required: { httpStatus: 402, type: 'payment_required', retryable: false },
  rate_limited: { httpStatus: 429, type: 'rate_limit_error', retryable: true },
  model_not_allowed: { httpStatus: 403, type: 'guardrail_violation', retryable: false },
  provider_not_allowed: { httpStatus: 403, type: 'guardrail_violation', retryable: false },
  per_request_cost_limit_exceeded: { httpStatus: 402, type: 'guardrail_violation', retryable: false },
  daily_budget_exceeded: { httpStatus: 402, type: 'guardrail_violation', retryable: false },
  monthly_budget_exceeded: { httpStatus: 402, type: 'guardrail_violation', retryable: false },
  key_credit_limit_exceeded: { httpStatus: 402, type: 'guardrail_violation', retryable: false },
  requests_per_minute_exceeded: { httpStatus: 429, type: 'guardrail_violation', retryable: true },
  requests_per_day_exceeded: { httpStatus: 429, type: 'guardrail_violation', retryable: true },
  tokens_per_minute_exceeded: { httpStatus: 429, type: 'guardrail_violation', retryable: true },
  upstream_rate_limited: { httpStatus: 429, type: 'rate_limit_error', retryable: true },
  upstream_timeout: { httpStatus: 504, type: 'api_error', retryable: true },
  upstream_error: { httpStatus: 502, type: 'api_error', retryable: true },
  service_unavailable: { httpStatus: 503, type: 'api_error', retryable: true },
  internal: { httpStatus: 500, type: 'api_error', retryable: false },
} as const satisfies Record<string, { httpStatus: number; type: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, value);
}
