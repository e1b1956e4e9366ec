import { ERROR_TABLE } from './error-code';
import type { AppError } from './app-error';

export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    code: string;
    param: string | null;
    request_id?: string;
    suggested_action?: string;
    help_url?: string;
    /** Guardrail blocks: what was exceeded (DESIGN §7). */
    details?: Record<string, unknown>;
    /** Everything else: where it failed, e.g. { provider, upstream_status } (OpenRouter's field). */
    metadata?: Record<string, unknown>;
  };
}

/** Where guardrail blocks point (the documented envelope: `"help_url": "/docs#guardrails"`). */
const GUARDRAILS_HELP_URL = '/docs#guardrails';

/** The OpenAI error envelope every SDK parses; guardrail blocks carry their extra fields. */
export function toOpenAiErrorBody(error: AppError, requestId?: string): OpenAiErrorBody {
  const entry = ERROR_TABLE[error.code];
  const body: OpenAiErrorBody = {
    error: { message: error.message, type: entry.type, code: error.code, param: error.param },
  };
  if (requestId) body.error.request_id = requestId;
  if (error.suggestedAction) body.error.suggested_action = error.suggestedAction;
  if (entry.type === 'guardrail_violation') body.error.help_url = GUARDRAILS_HELP_URL;
  if (error.details) {
    if (entry.type === 'guardrail_violation') body.error.details = error.details;
    else body.error.metadata = error.details;
  }
  return body;
}
