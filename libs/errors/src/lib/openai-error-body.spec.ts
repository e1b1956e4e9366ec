import { AppError } from './app-error';
import { ERROR_TABLE } from './error-code';
import { toOpenAiErrorBody } from './openai-error-body';
import { fromReplyError, toReplyError } from './reply-error';

describe('error envelopes', () => {
  it('renders the OpenAI envelope with status and type from the table', () => {
    const error = new AppError('insufficient_balance', 'Not enough credits', { param: null });
    expect(error.httpStatus).toBe(402);
    expect(toOpenAiErrorBody(error, 'req_1')).toEqual({
      error: { message: 'Not enough credits', type: 'insufficient_quota', code: 'insufficient_balance', param: null, request_id: 'req_1' },
    });
  });

  it('adds help_url to guardrail violations', () => {
    const body = toOpenAiErrorBody(new AppError('model_not_allowed', 'blocked', { suggestedAction: 'pick another model' }));
    expect(body.error.type).toBe('guardrail_violation');
    expect(body.error.help_url).toBe('/docs#guardrails');
    expect(body.error.suggested_action).toBe('pick another model');
  });

  it('names where an upstream failure happened in metadata, and keeps guardrail details as details', () => {
    const upstream = toOpenAiErrorBody(new AppError('upstream_error', 'bad gateway', { details: { provider: 'openai', upstream_status: 500 } }));
    expect(upstream.error.metadata).toEqual({ provider: 'openai', upstream_status: 500 });
    expect(upstream.error.details).toBeUndefined();
    const guardrail = toOpenAiErrorBody(new AppError('daily_budget_exceeded', 'over budget', { details: { limit_micros: '100' } }));
    expect(guardrail.error.details).toEqual({ limit_micros: '100' });
    expect(guardrail.error.metadata).toBeUndefined();
  });

  it('keeps the code across a NATS reply, and maps unknown codes to internal', () => {
    expect(fromReplyError(toReplyError(new AppError('rate_limited', 'slow down'))).code).toBe('rate_limited');
    expect(fromReplyError({ code: 'nonsense', message: 'x', retryable: false }).code).toBe('internal');
  });

  it('every code has a 4xx or 5xx status', () => {
    for (const entry of Object.values(ERROR_TABLE)) expect(entry.httpStatus).toBeGreaterThanOrEqual(400);
  });
});
