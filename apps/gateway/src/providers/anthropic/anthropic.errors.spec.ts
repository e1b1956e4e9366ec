import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@switchyard/errors';
import { anthropicHttpError, anthropicStreamError } from './anthropic.errors';

const body = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');

describe('anthropicHttpError', () => {
  it('429 → upstream_rate_limited with Retry-After', () => {
    const error = anthropicHttpError(429, body('error.429.json'), '17');
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'upstream_rate_limited', retryAfterMs: 17_000 });
    expect(error.message).not.toContain('organization');
    expect(anthropicHttpError(429, body('error.429.json'), undefined).retryAfterMs).toBeUndefined();
  });

  it('529 overloaded and 5xx → upstream_error', () => {
    expect(anthropicHttpError(529, body('error.529.json'), undefined)).toMatchObject({ code: 'upstream_error', details: { upstream_status: 529, upstream_type: 'overloaded_error' } });
    expect(anthropicHttpError(500, body('error.500.json'), undefined).code).toBe('upstream_error');
    expect(anthropicHttpError(503, 'not json', undefined).code).toBe('upstream_error');
  });

  it('401/403 are the gateway’s problem, not the caller’s', () => {
    for (const [status, file] of [[401, 'error.401.json'], [403, 'error.403.json']] as const) {
      const error = anthropicHttpError(status, body(file), undefined);
      expect(error.code).toBe('upstream_error');
      expect(error.httpStatus).toBeGreaterThanOrEqual(500);
      expect(error.message).not.toMatch(/x-api-key|permission/);
    }
  });

  it('400 "prompt is too long" → invalid_request on messages; other 400s keep Anthropic’s message', () => {
    const tooLong = anthropicHttpError(400, body('error.400-prompt-too-long.json'), undefined);
    expect(tooLong).toMatchObject({ code: 'invalid_request', param: 'messages' });
    expect(tooLong.message).toContain('prompt is too long: 215734 tokens > 200000 maximum');
    const other = anthropicHttpError(400, body('error.400.json'), undefined);
    expect(other.code).toBe('invalid_request');
    expect(other.message).toContain('image/jpeg');
  });
});

describe('anthropicStreamError', () => {
  it('maps error events', () => {
    expect(anthropicStreamError({ type: 'overloaded_error', message: 'Overloaded' }).code).toBe('upstream_error');
    expect(anthropicStreamError({ type: 'rate_limit_error', message: 'slow down' }).code).toBe('upstream_rate_limited');
    expect(anthropicStreamError({ type: 'api_error', message: 'boom' }).message).toContain('boom');
  });
});
