import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { geminiHttpError, geminiStreamError } from './gemini.errors';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');

describe('geminiHttpError', () => {
  it('429 RESOURCE_EXHAUSTED → upstream_rate_limited with the retry delay (header first, else RetryInfo)', () => {
    const fromBody = geminiHttpError(429, fixture('error.429.json'), undefined);
    expect(fromBody).toMatchObject({ code: 'upstream_rate_limited', retryAfterMs: 7_000 });
    expect(geminiHttpError(429, fixture('error.429.json'), '3').retryAfterMs).toBe(3_000);
    expect(fromBody.message).not.toContain('quota');
  });

  it('5xx / UNAVAILABLE → upstream_error without Google’s message', () => {
    for (const [status, name] of [[500, 'error.500.json'], [503, 'error.503.json']] as const) {
      const error = geminiHttpError(status, fixture(name), undefined);
      expect(error.code).toBe('upstream_error');
      expect(error.details).toMatchObject({ provider: 'google', upstream_status: status });
    }
  });

  it('400 INVALID_ARGUMENT → invalid_request with Google’s message', () => {
    const error = geminiHttpError(400, fixture('error.400.json'), undefined);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('contents is not specified');
  });

  it('401/403 and a 400 for a bad API key are ours, not the caller’s', () => {
    for (const [status, name] of [[401, 'error.401.json'], [403, 'error.403.json'], [400, 'error.400.api-key-invalid.json']] as const) {
      const error = geminiHttpError(status, fixture(name), undefined);
      expect(error.code).toBe('upstream_error');
      expect(error.message).toMatch(/not a problem with your request or your API key/);
    }
  });

  it('an unparseable body still maps by status', () => {
    expect(geminiHttpError(400, '<html>', undefined).code).toBe('invalid_request');
    expect(geminiHttpError(404, '', undefined).code).toBe('upstream_error');
  });

  it('a mid-stream error event', () => {
    expect(geminiStreamError({ code: 503, status: 'UNAVAILABLE', message: 'overloaded' }).code).toBe('upstream_error');
    expect(geminiStreamError({ code: 429, status: 'RESOURCE_EXHAUSTED' }).code).toBe('upstream_rate_limited');
  });
});
