import { randomBytes } from 'node:crypto';
import { startTestStack, type TestStack } from '@switchyard/testing';
import { createFundedWorkspace } from '../support/gateway-test-stack';

/**
 * A gateway logging every request (LOG_LEVEL=info) never writes a credential: each way of presenting one (bearer,
 * x-api-key, x-goog-api-key, `?key=` however encoded, the session cookie, the admin token) is tried with a live key
 * and with unknown values, and the process's captured output is searched for the raw values.
 */
describe('request logs never carry credentials', () => {
  let stack: TestStack;
  let gateway: string;

  beforeAll(async () => {
    stack = await startTestStack({ services: ['ledger', 'gateway'], env: { LOG_LEVEL: 'info' } });
    gateway = stack.url('gateway');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('redacts authorization, x-api-key, x-goog-api-key, cookies and ?key= from the request log', async () => {
    const { key } = await createFundedWorkspace(gateway, stack.adminToken, 'logs', '1000');
    const unknown = () => `sk-sy-${randomBytes(32).toString('base64url')}`;
    const secrets = [stack.adminToken, key];
    const send = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${gateway}${path}`, { headers });
      await response.arrayBuffer();
      return response.status;
    };

    for (const value of [key, unknown()]) {
      if (value !== key) secrets.push(value);
      await send('/api/v1/key', { authorization: `Bearer ${value}` });
      await send('/api/v1/key', { 'x-api-key': value });
      await send('/api/v1/key', { 'x-goog-api-key': value });
      await send(`/api/v1/key?key=${encodeURIComponent(value)}`);
      await send(`/api/v1/key?days=1&%6Bey=${encodeURIComponent(value)}`);
      await send('/api/v1/me', { cookie: `theme=dark; sy_session=${value}` });
    }
    const sessionLike = `sy_at_${randomBytes(24).toString('base64url')}`;
    secrets.push(sessionLike);
    await send('/api/v1/me', { authorization: `Bearer ${sessionLike}` });
    await send('/api/v1/me', { cookie: `sy_session=${sessionLike}` });
    expect(await send('/api/v1/key', { authorization: `Bearer ${key}` })).toBe(200);

    const gatewayProcess = stack.services.get('gateway');
    if (!gatewayProcess) throw new Error('no gateway process');
    // Give pino's asynchronous destination a moment to flush the last lines.
    await new Promise((r) => setTimeout(r, 500));
    const output = gatewayProcess.output();
    // The requests were logged (the test is not vacuous): one line per request, with the credentials redacted.
    const requestLines = output.split('\n').filter((line) => line.includes('"/api/v1/key') || line.includes('"/api/v1/me'));
    expect(requestLines.length).toBeGreaterThanOrEqual(14);
    expect(output).toContain('[redacted]');
    expect(output).toContain('/api/v1/key?key=[redacted]');
    expect(output).toContain('/api/v1/key?days=1&%6Bey=[redacted]');
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(encodeURIComponent(secret));
      // Nor a recognisable part of it (the key prefix is public; the rest is not).
      expect(output).not.toContain(secret.slice(-24));
    }
  });
});
