import { existsSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { microsToUsd } from '@switchyard/money';
import { createTestDatabase, REPO_ROOT, type ServiceProcess, startServiceProcess, type TestDatabase, uniqueRedisPrefix, uniqueSubjectPrefix } from '@switchyard/testing';

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;

interface ErrorEnvelope {
  error: { message: string; type: string; code: string; param: string | null };
}

describe('gateway over HTTP (real Postgres, Redis, NATS, router)', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let router: ServiceProcess;
  let gateway: ServiceProcess;
  let ledger: ServiceProcess | undefined;
  let ledgerNote = '';

  beforeAll(async () => {
    db = await createTestDatabase('gateway');
    const env = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, REDIS_KEY_PREFIX: uniqueRedisPrefix() };
    router = await startServiceProcess('router', env);
    if (existsSync(join(REPO_ROOT, 'apps', 'ledger', 'src', 'main.ts'))) {
      try {
        ledger = await startServiceProcess('ledger', env);
      } catch (error) {
        ledgerNote = `ledger did not start: ${(error as Error).message.slice(0, 400)}`;
      }
    } else {
      ledgerNote = 'apps/ledger/src/main.ts does not exist';
    }
    if (ledgerNote) process.stderr.write(`[gateway.int-spec] ledger-backed tests skipped: ${ledgerNote}\n`);
    gateway = await startServiceProcess('gateway', { ...env, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN, STREAM_KEEPALIVE_MS: '1000', STARTER_CREDIT_MICROS: '0', HOLD_POOL_ENABLED: 'false' });
  });

  afterAll(async () => {
    await gateway?.stop();
    await ledger?.stop();
    await router?.stop();
    await db?.drop();
  });

  const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const validChat = { model: 'demo/echo', messages: [{ role: 'user', content: 'hello' }] };

  async function expectEnvelope(response: Response, status: number, code: string, param?: string | null): Promise<ErrorEnvelope> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
    expect(body.error).toHaveProperty('param');
    if (param !== undefined) expect(body.error.param).toBe(param);
    return body;
  }

  /** Seeds a workspace and key straight into the gateway schema (for auth tests that must not depend on the ledger). */
  async function seedKey(options: { revoked?: boolean; expired?: boolean } = {}): Promise<{ raw: string; workspaceId: string }> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const workspaceId = randomUUID();
      const raw = `sk-sy-${randomBytes(32).toString('base64url')}`;
      await client.query('INSERT INTO gateway.workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'seeded']);
      await client.query(
        'INSERT INTO gateway.api_keys (id, workspace_id, name, key_prefix, key_hash, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [randomUUID(), workspaceId, 'seeded', raw.slice(0, 12), createHash('sha256').update(raw).digest('hex'), options.expired ? new Date(Date.now() - 60_000) : null, options.revoked ? new Date() : null],
      );
      return { raw, workspaceId };
    } finally {
      await client.end();
    }
  }

  describe('bad input: OpenAI envelope, right status, nothing charged', () => {
    it('malformed JSON → 400 invalid_request', async () => {
      await expectEnvelope(await post('/v1/chat/completions', '{"model": "demo/echo", "messages": ['), 400, 'invalid_request', null);
    });

    it('wrong types → 400 naming the param', async () => {
      await expectEnvelope(await post('/v1/chat/completions', { model: 'demo/echo', messages: 'hi' }), 400, 'invalid_request', 'messages');
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, max_tokens: 'ten' }), 400, 'invalid_request', 'max_tokens');
      await expectEnvelope(await post('/api/v1/chat/completions', { ...validChat, temperature: 9 }), 400, 'invalid_request', 'temperature');
    });

    it('validates the body before authentication', async () => {
      await expectEnvelope(await post('/v1/chat/completions', { model: 42, messages: [] }, { authorization: 'Bearer nope' }), 400, 'invalid_request', 'model');
    });

    it('missing, unknown, malformed, revoked or expired key → 401 unauthenticated', async () => {
      await expectEnvelope(await post('/v1/chat/completions', validChat), 401, 'unauthenticated');
      await expectEnvelope(await post('/v1/chat/completions', validChat, { authorization: `Bearer sk-sy-${randomBytes(32).toString('base64url')}` }), 401, 'unauthenticated');
      await expectEnvelope(await post('/v1/chat/completions', validChat, { 'x-api-key': 'sk-something-else' }), 401, 'unauthenticated');
      const revoked = await seedKey({ revoked: true });
      await expectEnvelope(await post('/v1/chat/completions', validChat, { authorization: `Bearer ${revoked.raw}` }), 401, 'unauthenticated');
      const expired = await seedKey({ expired: true });
      await expectEnvelope(await post('/v1/chat/completions', validChat, { 'x-goog-api-key': expired.raw }), 401, 'unauthenticated');
      const creditsResponse = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${revoked.raw}` } });
      await expectEnvelope(creditsResponse, 401, 'unauthenticated');
    });

    it('body over the limit → 413 request_too_large', async () => {
      const huge = JSON.stringify({ ...validChat, messages: [{ role: 'user', content: 'x'.repeat(5 * 1_048_576) }] });
      await expectEnvelope(await post('/v1/chat/completions', huge), 413, 'request_too_large');
    });

    it('unknown model → 404 model_not_found (after a valid key)', async () => {
      const key = await seedKey();
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, model: 'acme/unknown' }, { authorization: `Bearer ${key.raw}` }), 404, 'model_not_found', 'model');
      // openai/* is priced, but its provider is not enabled without OPENAI_API_KEY
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, model: 'openai/gpt-4o-mini' }, { authorization: `Bearer ${key.raw}` }), 404, 'model_not_found', 'model');
    });

    it('web search without a configured search API → 400 naming plugins', async () => {
      const key = await seedKey();
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, plugins: [{ id: 'web' }] }, { authorization: `Bearer ${key.raw}` }), 400, 'invalid_request', 'plugins');
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, model: `${validChat.model}:online` }, { authorization: `Bearer ${key.raw}` }), 400, 'invalid_request', 'plugins');
    });
  });

  describe('admin API', () => {
    it('refuses a missing or wrong admin token with 401 in the envelope', async () => {
      await expectEnvelope(await post('/api/v1/admin/workspaces', { name: 'x' }), 401, 'unauthenticated');
      await expectEnvelope(await post('/api/v1/admin/workspaces', { name: 'x' }, { authorization: `Bearer ${ADMIN_TOKEN}x` }), 401, 'unauthenticated');
      const response = await fetch(`${gateway.url}/api/v1/admin/keys/${randomUUID()}`, { method: 'DELETE', headers: { authorization: 'Bearer short' } });
      await expectEnvelope(response, 401, 'unauthenticated');
    });

    it('validates admin bodies', async () => {
      await expectEnvelope(await post('/api/v1/admin/workspaces', { name: '' }, admin), 400, 'invalid_request', 'name');
      await expectEnvelope(await post('/api/v1/admin/workspaces', { name: 'w', creditMicros: '1.5' }, admin), 400, 'invalid_request', 'creditMicros');
    });

    it('creates keys for a workspace (raw once) and revokes them', async () => {
      const { workspaceId } = await seedKey();
      const created = await post(`/api/v1/admin/workspaces/${workspaceId}/keys`, { name: 'ci' }, admin);
      expect(created.status).toBe(201);
      const key = (await created.json()) as { id: string; key: string; prefix: string };
      expect(key.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
      expect(key.key.startsWith(key.prefix)).toBe(true);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const rows = await client.query('SELECT key_hash, key_prefix FROM gateway.api_keys WHERE id = $1', [key.id]);
      await client.end();
      expect(rows.rows[0].key_hash).toBe(createHash('sha256').update(key.key).digest('hex'));
      expect(JSON.stringify(rows.rows)).not.toContain(key.key);

      // the key authenticates (past auth: unknown model is the next error)
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, model: 'acme/unknown' }, { authorization: `Bearer ${key.key}` }), 404, 'model_not_found');
      const revoked = await fetch(`${gateway.url}/api/v1/admin/keys/${key.id}`, { method: 'DELETE', headers: admin });
      expect(revoked.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_100)); // in-process cache TTL
      await expectEnvelope(await post('/v1/chat/completions', { ...validChat, model: 'acme/unknown' }, { authorization: `Bearer ${key.key}` }), 401, 'unauthenticated');
      await expectEnvelope(await post(`/api/v1/admin/workspaces/${randomUUID()}/keys`, { name: 'x' }, admin), 404, 'not_found');
    });
  });

  it('GET /v1/models lists enabled providers only, with pricing, context and capabilities', async () => {
    for (const path of ['/v1/models', '/api/v1/models']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { object: string; data: Array<Record<string, any>> };
      expect(body.object).toBe('list');
      const ids = body.data.map((m) => m.id);
      expect(ids).toContain('demo/echo');
      expect(ids.some((id) => id.startsWith('openai/'))).toBe(false);
      const echo = body.data.find((m) => m.id === 'demo/echo') as Record<string, any>;
      expect(echo).toMatchObject({ object: 'model', context_length: 128000, max_output: 4096, owned_by: 'demo' });
      expect(echo.pricing).toMatchObject({ prompt: '0.00000015', completion: '0.0000006', prompt_micros_per_mtok: '150000', completion_micros_per_mtok: '600000' });
      expect(echo.capabilities).toEqual(expect.arrayContaining(['tools', 'json_schema']));
    }
  });

  describe('with the ledger', () => {
    const itLedger = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        if (!ledger) {
          process.stderr.write(`[gateway.int-spec] skipped "${name}": ${ledgerNote}\n`);
          return;
        }
        await fn();
      });
    let apiKey = '';
    let workspaceId = '';

    itLedger('creates a funded workspace and a key through the admin API', async () => {
      const created = await post('/api/v1/admin/workspaces', { name: 'acme', creditMicros: '2000000' }, admin);
      expect(created.status).toBe(201);
      workspaceId = ((await created.json()) as { id: string }).id;
      const key = await post(`/api/v1/admin/workspaces/${workspaceId}/keys`, { name: 'sdk' }, admin);
      apiKey = ((await key.json()) as { key: string }).key;
      const credits = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(credits.status).toBe(200);
      expect(await credits.json()).toEqual({ workspace_id: workspaceId, balance_micros: '2000000', pending_micros: '0', available_micros: '2000000', balance_usd: '2.000000', data: { total_credits: '2.000000', total_usage: '0.000000' } });
      const grant = await post(`/api/v1/admin/workspaces/${workspaceId}/credits`, { amountMicros: '500000', reference: 'topup-1' }, admin);
      expect(grant.status).toBe(201);
      const again = await post(`/api/v1/admin/workspaces/${workspaceId}/credits`, { amountMicros: '500000', reference: 'topup-1' }, admin);
      expect(again.status).toBe(201);
      const after = (await (await fetch(`${gateway.url}/api/v1/credits?key=${apiKey}`)).json()) as { balance_micros: string };
      expect(after.balance_micros).toBe('2500000'); // the same reference is granted once
    });

    itLedger('serves a non-streaming completion through the official SDK, with headers, served model and cost', async () => {
      const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
      const { data, response } = await openai.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'ping from the SDK' }], max_tokens: 20 }).withResponse();
      expect(data.choices[0].message.content).toMatch(/^Echo: ping from the SDK/);
      expect(data.id).toMatch(/^gen-/);
      expect(data.model).toBe('demo/echo');
      expect((data as unknown as { provider: string }).provider).toBe('demo');
      expect(response.headers.get('x-switchyard-model')).toBe('demo/echo');
      expect(response.headers.get('x-switchyard-provider')).toBe('demo');
      expect(response.headers.get('x-switchyard-request-id')).toBe(data.id);
      expect(response.headers.get('x-generation-id')).toBe(data.id);
      expect(response.headers.get('x-request-id')).toBe(data.id);
      const usage = data.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost: number; cost_micros: string };
      expect(usage.completion_tokens).toBeLessThanOrEqual(20);
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      const expectedMicros = Math.ceil((usage.prompt_tokens * 150_000 + usage.completion_tokens * 600_000) / 1_000_000);
      expect(usage.cost_micros).toBe(String(expectedMicros));
      expect(usage.cost).toBe(microsToUsd(BigInt(expectedMicros)));
    });

    itLedger('streams a completion through the official SDK, usage with cost last', async () => {
      const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
      const stream = await openai.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'stream me' }], stream: true });
      let text = '';
      let chunks = 0;
      let usage: Record<string, unknown> | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
        if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
        expect(chunk.model).toBe('demo/echo');
      }
      expect(chunks).toBeGreaterThan(3);
      expect(text).toMatch(/^Echo: stream me/);
      expect(finish).toBe('stop');
      expect(usage).toMatchObject({ completion_tokens: expect.any(Number), cost: expect.stringMatching(/^\d+(\.\d+)?$/), cost_micros: expect.stringMatching(/^\d+$/) });
    });

    itLedger('the raw stream has the processing comment before the first token and ends with [DONE]', async () => {
      const response = await post('/v1/chat/completions', { ...validChat, stream: true }, { authorization: `Bearer ${apiKey}` });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const raw = await response.text();
      expect(raw.indexOf(': switchyard processing')).toBeGreaterThanOrEqual(0);
      expect(raw.indexOf(': switchyard processing')).toBeLessThan(raw.indexOf('data: '));
      expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
    });

    itLedger('the balance shows the requests as held or charged', async () => {
      const credits = (await (await fetch(`${gateway.url}/api/v1/credits`, { headers: { 'x-api-key': apiKey } })).json()) as { balance_micros: string; pending_micros: string; available_micros: string };
      expect(BigInt(credits.available_micros)).toBeLessThan(2_500_000n);
      expect(BigInt(credits.pending_micros) > 0n || BigInt(credits.balance_micros) < 2_500_000n).toBe(true);
    });

    itLedger('an unfunded workspace gets 402 in the envelope', async () => {
      const created = await post('/api/v1/admin/workspaces', { name: 'broke' }, admin);
      const id = ((await created.json()) as { id: string }).id;
      const key = ((await (await post(`/api/v1/admin/workspaces/${id}/keys`, { name: 'k' }, admin)).json()) as { key: string }).key;
      await expectEnvelope(await post('/v1/chat/completions', validChat, { authorization: `Bearer ${key}` }), 402, 'insufficient_balance');
    });

    itLedger('fails closed with 503 when the ledger is gone', async () => {
      await ledger?.stop();
      ledger = undefined;
      await expectEnvelope(await post('/v1/chat/completions', validChat, { authorization: `Bearer ${apiKey}` }), 503, 'service_unavailable');
    });
  });

  it('without a reachable ledger a valid request is refused with 503 (never served unmetered)', async () => {
    if (ledger) return; // covered by the ledger suite's last test
    const key = await seedKey();
    await expectEnvelope(await post('/v1/chat/completions', validChat, { authorization: `Bearer ${key.raw}` }), 503, 'service_unavailable');
  });
});
