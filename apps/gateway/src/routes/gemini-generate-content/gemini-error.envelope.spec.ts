import { AppError } from '@switchyard/errors';
import { toGeminiErrorBody } from './gemini-error.envelope';

describe('Gemini error envelope', () => {
  it.each([
    ['invalid_request', 400, 'INVALID_ARGUMENT'],
    ['unauthenticated', 401, 'UNAUTHENTICATED'],
    ['model_not_allowed', 403, 'PERMISSION_DENIED'],
    ['model_not_found', 404, 'NOT_FOUND'],
    ['insufficient_balance', 402, 'RESOURCE_EXHAUSTED'],
    ['upstream_rate_limited', 429, 'RESOURCE_EXHAUSTED'],
    ['internal', 500, 'INTERNAL'],
    ['upstream_error', 502, 'UNAVAILABLE'],
    ['service_unavailable', 503, 'UNAVAILABLE'],
    ['upstream_timeout', 504, 'DEADLINE_EXCEEDED'],
  ] as const)('%s → HTTP %i, status %s', (code, httpStatus, status) => {
    const body = toGeminiErrorBody(new AppError(code, 'boom'));
    expect(body.error).toMatchObject({ code: httpStatus, message: 'boom', status });
  });

  it('carries our code, details, param and request id as ErrorInfo, and the retry delay as RetryInfo', () => {
    const error = new AppError('upstream_rate_limited', 'slow down', { param: 'model', details: { provider: 'openai', upstream_status: 429 }, retryAfterMs: 6_500 });
    expect(toGeminiErrorBody(error, 'gen-1')).toEqual({
      error: {
        code: 429,
        message: 'slow down',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'UPSTREAM_RATE_LIMITED', domain: 'switchyard', metadata: { provider: 'openai', upstream_status: '429', param: 'model', request_id: 'gen-1' } },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
        ],
      },
    });
  });
});
