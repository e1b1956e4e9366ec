import { type AppError, ERROR_TABLE } from '@switchyard/errors';

/** Anthropic's error types (the SDKs' `ErrorType`). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: {
    type: AnthropicErrorType;
    message: string;
    /** Ours: the error table's code (`insufficient_balance`, `upstream_rate_limited`…), finer than the type. */
    code: string;
    param?: string;
    /** Guardrail blocks: what was exceeded. */
    details?: Record<string, unknown>;
    /** Everything else: where it failed, e.g. { provider, upstream_status }. */
    metadata?: Record<string, unknown>;
    suggested_action?: string;
  };
  request_id?: string;
}

/** Anthropic documents its error types by HTTP status; ours keep the status from the one error table. */
const TYPE_BY_STATUS: Record<number, AnthropicErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

export function anthropicErrorType(error: AppError): AnthropicErrorType {
  const status = error.httpStatus;
  return TYPE_BY_STATUS[status] ?? (status < 500 ? 'invalid_request_error' : 'api_error');
}

/** The Anthropic error envelope `{ type: "error", error: { type, message }, request_id }`, plus our code and details. */
export function toAnthropicErrorBody(error: AppError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(error), message: error.message, code: error.code } };
  if (error.param) body.error.param = error.param;
  if (error.suggestedAction) body.error.suggested_action = error.suggestedAction;
  if (error.details) {
    if (ERROR_TABLE[error.code].type === 'guardrail_violation') body.error.details = error.details;
    else body.error.metadata = error.details;
  }
  if (requestId) body.request_id = requestId;
  return body;
}
