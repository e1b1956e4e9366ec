import { startServiceProcess, type ServiceProcess } from '@switchyard/testing';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

interface GuardrailBody {
  error: { type: string; code: string; message: string; suggested_action: string; help_url: string; details: Record<string, unknown> };
}

/** Counters are per UTC minute: start a rate test early in a minute so the window does not roll over mid-test. */
async function awayFromMinuteEdge(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}

describe('guardrails (real Redis counters shared by gateway replicas, real ledger and billing)', () => {
  let stack: GatewayTestStack;
  let secondGateway: ServiceProcess | undefined;

  beforeAll(async () => {
    stack = await startGatewayTestStack({ env: { RATE_LIMIT_DEFAULT_RPM: '50' }, workspace: { name: 'guardrails-primary', creditMicros: 5_000_000n } });
  }, 120_000);

  afterAll(async () => {
    await secondGateway?.stop();
    await stack?.stop();
  });

  const admin = (method: string, path: string, body?: object) =>
    fetch(`${stack.gatewayUrl}/api/v1/admin${path}`, { method, headers: { authorization: `Bearer ${stack.stack.adminToken}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });

  /** A fresh funded workspace with a new key carrying `keyPolicy` (and an optional workspace policy). */
  async function workspaceWith(keyPolicy: object, workspacePolicy?: object, creditMicros = 1_000_000n): Promise<{ id: string; key: string; keyId: string }> {
    const { id } = await stack.createWorkspace(`g-${Math.random().toString(36).slice(2, 8)}`, creditMicros);
    const created = await admin('POST', `/workspaces/${id}/keys`, { name: 'guarded' });
    const { id: keyId, key } = (await created.json()) as { id: string; key: string };
    const none = (await (await fetch(`${stack.gatewayUrl}/api/v1/guardrails`, { headers: { authorization: `Bearer ${key}` } })).json()) as object;
    expect(none).toEqual({ workspace: {}, key: {} });
    expect((await admin('PUT', `/workspaces/${id}/keys/${keyId}/guardrails`, keyPolicy)).status).toBe(200);
    if (workspacePolicy) expect((await admin('PUT', `/workspaces/${id}/guardrails`, workspacePolicy)).status).toBe(200);
    return { id, key, keyId };
  }

  const chat = (key: string, body: object = {}, url = stack.gatewayUrl) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'guard me' }], max_tokens: 20, ...body }),
    });

  async function expectViolation(response: Response, status: number, code: string): Promise<GuardrailBody['error']> {
    const body = (await response.json()) as GuardrailBody;
    expect({ status: response.status, code: body.error.code }).toEqual({ status, code });
    expect(body.error).toMatchObject({ type: 'guardrail_violation', help_url: '/docs#guardrails', message: expect.any(String), suggested_action: expect.any(String), details: expect.any(Object) });
    return body.error;
  }

  it('validates policies and answers unknown workspaces and keys with 404', async () => {
    const { id, keyId } = await workspaceWith({});
    expect((await admin('PUT', `/workspaces/${id}/guardrails`, { daily_budget_micros: 1.5 })).status).toBe(400);
    expect((await admin('PUT', `/workspaces/${id}/guardrails`, { surprise: true })).status).toBe(400);
    expect((await admin('GET', `/workspaces/00000000-0000-4000-8000-000000000000/guardrails`)).status).toBe(404);
    expect((await admin('GET', `/workspaces/${id}/keys/00000000-0000-4000-8000-000000000000/guardrails`)).status).toBe(404);
    const put = await admin('PUT', `/workspaces/${id}/keys/${keyId}/guardrails`, { requests_per_minute: 5, daily_budget_micros: '2500' });
    expect(((await put.json()) as { policy: object }).policy).toEqual({ requests_per_minute: 5, daily_budget_micros: '2500' });
  });

  it('model_not_allowed (403) for a model outside the key allowlist; allowed models still work', async () => {
    const { key } = await workspaceWith({ allowed_models: ['demo/echo'] });
    const error = await expectViolation(await chat(key, { model: 'demo/echo-large' }), 403, 'model_not_allowed');
    expect(error.details).toMatchObject({ scope: 'key', model: 'demo/echo-large', allowed_models: ['demo/echo'] });
    expect((await chat(key)).status).toBe(200);
    // A fallback list is narrowed to the allowed models instead of refused.
    const narrowed = await chat(key, { model: 'demo/echo', models: ['demo/echo', 'demo/echo-large'] });
    expect(narrowed.headers.get('x-switchyard-model')).toBe('demo/echo');
  });

  it('provider_not_allowed (403) when no allowed provider serves the model (workspace policy)', async () => {
    const { key } = await workspaceWith({}, { allowed_providers: ['openai'] });
    const error = await expectViolation(await chat(key), 403, 'provider_not_allowed');
    expect(error.details).toMatchObject({ scope: 'workspace', providers: ['demo'], allowed_providers: ['openai'] });
  });

  it('per_request_cost_limit_exceeded (402) when even a short answer costs more; otherwise max_tokens shrinks to the cap', async () => {
    const { key } = await workspaceWith({ max_cost_per_request_micros: '1' });
    const error = await expectViolation(await chat(key), 402, 'per_request_cost_limit_exceeded');
    expect(error.details).toMatchObject({ limit_micros: '1' });

    // demo/echo-large (2.5 / 10 USD per Mtok) echoes ~300 tokens back. The prompt's hold bound is ~1,530 tokens
    // (3,825 µUSD), so a 4,500 µUSD cap leaves room for ~67 output tokens: the answer is cut there.
    const capped = await workspaceWith({ max_cost_per_request_micros: '4500' });
    const response = await chat(capped.key, { model: 'demo/echo-large', max_tokens: 1000, messages: [{ role: 'user', content: 'word '.repeat(300) }] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { usage: { cost_micros: string; completion_tokens: number }; choices: Array<{ finish_reason: string }> };
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBeGreaterThan(16);
    expect(body.usage.completion_tokens).toBeLessThan(100);
    expect(BigInt(body.usage.cost_micros)).toBeLessThanOrEqual(4500n);
  });

  it('a daily budget holds under 30 parallel requests: in-flight requests count, the spend never exceeds it', async () => {
    // Each demo/echo-large request holds ≈ 170 µUSD (prompt bound + 20 output tokens at $10/Mtok) and costs far less.
    const budget = 1_000n;
    const { key } = await workspaceWith({}, { daily_budget_micros: budget.toString() });
    const before = await stack.credits(key);
    const responses = await Promise.all(Array.from({ length: 30 }, () => chat(key, { model: 'demo/echo-large' })));
    const ok = responses.filter((r) => r.status === 200);
    const blocked = responses.filter((r) => r.status === 402);
    expect(ok.length + blocked.length).toBe(30);
    expect(ok.length).toBeGreaterThan(0);
    expect(blocked.length).toBeGreaterThan(0);
    const error = await expectViolation(blocked[0], 402, 'daily_budget_exceeded');
    expect(error.details).toMatchObject({ scope: 'workspace', limit_micros: '1000', reset_at: expect.stringMatching(/T00:00:00.000Z$/) });
    const after = await stack.settledCredits(key);
    const spent = BigInt(before.balance_micros) - BigInt(after.balance_micros);
    expect(spent).toBeGreaterThan(0n);
    expect(spent).toBeLessThanOrEqual(budget);
  });

  it('monthly_budget_exceeded (402) once the month is spent', async () => {
    const { key } = await workspaceWith({ monthly_budget_micros: '1' });
    await expectViolation(await chat(key), 402, 'monthly_budget_exceeded');
  });

  it('requests_per_minute holds across two gateway replicas, with X-RateLimit headers and Retry-After', async () => {
    secondGateway = await startServiceProcess('gateway', stack.stack.env, { readyTimeoutMs: 60_000 });
    await awayFromMinuteEdge();
    const { key } = await workspaceWith({ requests_per_minute: 4 });
    const urls = [stack.gatewayUrl, secondGateway.url, stack.gatewayUrl, secondGateway.url];
    const remaining: string[] = [];
    for (const url of urls) {
      const response = await chat(key, {}, url);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('4');
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      remaining.push(response.headers.get('x-ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const url of [stack.gatewayUrl, secondGateway.url]) {
      const blocked = await chat(key, {}, url);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('x-ratelimit-remaining')).toBe('0');
      const error = await expectViolation(blocked, 429, 'requests_per_minute_exceeded');
      expect(error.details).toMatchObject({ scope: 'key', limit: 4 });
    }
  });

  it('requests_per_day_exceeded (429) after the daily count', async () => {
    const { key } = await workspaceWith({ requests_per_day: 1 });
    expect((await chat(key)).status).toBe(200);
    const blocked = await chat(key);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectViolation(blocked, 429, 'requests_per_day_exceeded');
  });

  it('tokens_per_minute_exceeded (429) once the minute’s tokens are used', async () => {
    await awayFromMinuteEdge();
    const { key } = await workspaceWith({ tokens_per_minute: 10 });
    expect((await chat(key)).status).toBe(200);
    // Tokens are counted when a request ends (after its response): poll briefly for the count to land.
    let blocked: Response | undefined;
    for (let i = 0; i < 20 && !blocked; i++) {
      const response = await chat(key);
      if (response.status === 429) blocked = response;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(blocked).toBeDefined();
    expect(Number(blocked!.headers.get('retry-after'))).toBeGreaterThan(0);
    const error = await expectViolation(blocked!, 429, 'tokens_per_minute_exceeded');
    expect(error.details).toMatchObject({ limit: 10 });
  });

  it('a per-key credit limit (weekly reset) holds under parallel requests; GET /api/v1/key shows limit, usage and reset', async () => {
    const { key, id } = await workspaceWith({ credit_limit_micros: '1000', credit_limit_reset: 'weekly', requests_per_minute: 1000 });
    const before = await stack.credits(key);
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat(key, { model: 'demo/echo-large' })));
    const blocked = responses.filter((r) => r.status === 402);
    expect(blocked.length).toBeGreaterThan(0);
    const error = await expectViolation(blocked[0], 402, 'key_credit_limit_exceeded');
    expect(error.details).toMatchObject({ scope: 'key', limit_micros: '1000' });
    const after = await stack.settledCredits(key);
    const spent = BigInt(before.balance_micros) - BigInt(after.balance_micros);
    expect(spent).toBeGreaterThan(0n);
    expect(spent).toBeLessThanOrEqual(1_000n);

    const info = (await (await fetch(`${stack.gatewayUrl}/api/v1/key`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Record<string, unknown> };
    expect(info.data).toMatchObject({ label: 'guarded', limit: '0.001000', limit_reset: 'weekly', rate_limit: { requests: 1000, interval: '1m' } });
    // Once every request settled, the window's usage is exactly what was spent.
    expect(info.data.usage).toBe(`0.${spent.toString().padStart(6, '0')}`);
    expect(new Date(String(info.data.limit_resets_at)).getUTCDay()).toBe(1);
    expect((await admin('PUT', `/workspaces/${id}/guardrails`, { credit_limit_reset: 'daily' })).status).toBe(400);
  });

  it('a key without a limit of its own gets the gateway default, and every response carries X-RateLimit headers', async () => {
    await awayFromMinuteEdge();
    const { key } = await workspaceWith({});
    const first = await chat(key);
    expect(first.status).toBe(200);
    expect([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-remaining')]).toEqual(['50', '49']);
    const refused = await chat(key, { model: 'acme/unknown' });
    expect(refused.status).toBe(404);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('48');
  });

  it('a key reads the guardrails that apply to it', async () => {
    const { key } = await workspaceWith({ requests_per_day: 100 }, { allowed_providers: ['demo'] });
    const response = await fetch(`${stack.gatewayUrl}/api/v1/guardrails`, { headers: { authorization: `Bearer ${key}` } });
    expect(await response.json()).toEqual({ workspace: { allowed_providers: ['demo'] }, key: { requests_per_day: 100 } });
  });
});
