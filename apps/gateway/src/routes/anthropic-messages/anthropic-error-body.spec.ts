import { AppError } from '@switchyard/errors';
import { toAnthropicErrorBody } from './anthropic-error-body';

describe('toAnthropicErrorBody', () => {
  it('uses Anthropic error types by status and keeps our code', () => {
    const typeOf = (error: AppError) => toAnthropicErrorBody(error).error.type;
    expect(typeOf(new AppError('invalid_request', 'bad'))).toBe('invalid_request_error');
    expect(typeOf(new AppError('unauthenticated', 'who'))).toBe('authentication_error');
    expect(typeOf(new AppError('insufficient_balance', 'broke'))).toBe('billing_error');
    expect(typeOf(new AppError('model_not_allowed', 'no'))).toBe('permission_error');
    expect(typeOf(new AppError('model_not_found', 'where'))).toBe('not_found_error');
    expect(typeOf(new AppError('request_too_large', 'big'))).toBe('request_too_large');
    expect(typeOf(new AppError('upstream_rate_limited', 'slow'))).toBe('rate_limit_error');
    expect(typeOf(new AppError('upstream_error', 'down'))).toBe('api_error');
    expect(typeOf(new AppError('service_unavailable', 'busy'))).toBe('overloaded_error');
    expect(typeOf(new AppError('upstream_timeout', 'late'))).toBe('timeout_error');
    expect(typeOf(new AppError('conflict', 'again'))).toBe('invalid_request_error');
  });

  it('renders the envelope with request_id, param, and guardrail details apart from upstream metadata', () => {
    expect(toAnthropicErrorBody(new AppError('insufficient_balance', 'Insufficient credits.'), 'gen-1')).toEqual({
      type: 'error',
      error: { type: 'billing_error', message: 'Insufficient credits.', code: 'insufficient_balance' },
      request_id: 'gen-1',
    });
    expect(toAnthropicErrorBody(new AppError('invalid_request', 'bad', { param: 'max_tokens' })).error.param).toBe('max_tokens');
    expect(toAnthropicErrorBody(new AppError('daily_budget_exceeded', 'over', { details: { limit_micros: '1' } })).error.details).toEqual({ limit_micros: '1' });
    expect(toAnthropicErrorBody(new AppError('upstream_error', 'down', { details: { provider: 'openai' } })).error.metadata).toEqual({ provider: 'openai' });
  });
});
