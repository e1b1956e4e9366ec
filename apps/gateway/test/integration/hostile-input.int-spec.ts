import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { Client } from 'pg';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream-hostile';
const BODY_BYTES_MAX = 256 * 1024;
/** Bounded so the file stays well under a minute on a busy machine. */
const RUNS = 12;

type Envelope = 'openai' | 'anthropic' | 'gemini' | 'oauth' | 'jsonrpc';
type Auth = 'key' | 'session' | 'management' | 'admin' | 'none';

/** What a field must be: the hostile values are the ones that are not. */
type FieldKind = 'text' | 'string' | 'content' | 'count' | 'micros' | 'list' | 'uuid' | 'address' | 'enum' | 'hex';

interface Endpoint {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  auth: Auth;
  envelope: Envelope;
  /** A valid body; each fuzz case breaks one field. */
  base: Record<string, unknown>;
  fields: Record<string, FieldKind>;
}

interface Response4xx {
  status: number;
  text: string;
}

/**
 * Hostile input against every public endpoint family of a real gateway process (with ledger, router and billing):
 * malformed and deeply nested JSON, invalid UTF-8, huge bodies and headers, wrong types, negative and enormous
 * numbers, header injection, SSE-breaking message content, path traversal and SQL-looking ids. Every answer is a
 * 4xx in the envelope of its surface, never a 5xx; the process stays up, logs no unhandled error, and nothing in
 * the database changes (every table is fingerprinted before and after) nor reaches the upstream.
 */
describe('hostile input on every public endpoint', () => {
  const fake = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini', 'text-embedding-3-small'] });
  let stack: GatewayTestStack;
  let db: Client;
  let gateway = '';
  const auth: Record<Auth, Record<string, string>> = { key: {}, session: {}, management: {}, admin: {}, none: {} };
  let keyId = '';
  let endpoints: Endpoint[] = [];
  let fingerprintBefore = new Map<string, string>();
  let upstreamRequestsBefore = 0;

  beforeAll(async () => {
    await fake.start();
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: UPSTREAM_KEY,
        OPENAI_BASE_URL: fake.baseUrl,
        GATEWAY_BODY_BYTES_MAX: String(BODY_BYTES_MAX),
        BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        // Many refused requests from one address; the failed-auth limiter is tested elsewhere.
        RATE_LIMIT_DEFAULT_RPM: '0',
      },
      workspace: { name: 'hostile', creditMicros: 2_000_000n },
    });
    gateway = stack.gatewayUrl;
    db = new Client({ connectionString: stack.stack.database.url });
    await db.connect();

    const account = privateKeyToAccount(generatePrivateKey());
    const nonce = (await (await fetch(`${gateway}/api/v1/auth/siwe/nonce`, { method: 'POST' })).json()) as { nonce: string };
    const message = createSiweMessage({ domain: new URL(gateway).host, address: account.address, uri: gateway, version: '1', chainId: 1, nonce: nonce.nonce, issuedAt: new Date() });
    const signedIn = await fetch(`${gateway}/api/v1/auth/siwe/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature: await account.signMessage({ message }) }) });
    expect(signedIn.status).toBe(200);
    const session = ((await signedIn.json()) as { access_token: string }).access_token;
    auth.session = { authorization: `Bearer ${session}` };
    auth.key = { authorization: `Bearer ${stack.apiKey}` };
    auth.admin = { authorization: `Bearer ${stack.stack.adminToken}` };
    const management = await fetch(`${gateway}/api/v1/keys`, { method: 'POST', headers: { ...auth.session, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ops', kind: 'management' }) });
    expect(management.status).toBe(201);
    const created = (await management.json()) as { key: string; data: { id: string } };
    auth.management = { authorization: `Bearer ${created.key}` };
    keyId = created.data.id;
    endpoints = endpointTable(stack.workspaceId, keyId);

    fingerprintBefore = await fingerprint();
    upstreamRequestsBefore = fake.requests.length;
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    await fake.stop();
  });

  /** One md5 per table over all its rows, every schema: any insert, update or delete changes it. */
  async function fingerprint(): Promise<Map<string, string>> {
    const tables = await db.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_name NOT ILIKE '%migrations%'`,
    );
    const prints = new Map<string, string>();
    for (const { name } of tables.rows) {
      const row = await db.query<{ md5: string | null }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM ${name} t`);
      prints.set(name, row.rows[0].md5 ?? 'empty');
    }
    return prints;
  }

  async function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Response4xx> {
    const response = await fetch(`${gateway}${path}`, { method, headers, body });
    return { status: response.status, text: await response.text() };
  }

  function envelopeFor(path: string): Envelope {
    if (/^\/(anthropic\/)?v1\/messages/.test(path)) return 'anthropic';
    if (path.startsWith('/v1beta/')) return 'gemini';
    if (path.startsWith('/api/v1/auth/device/token')) return 'oauth';
    return 'openai';
  }

  /** A 4xx whose body is the surface's error envelope (an empty body only where Node itself answers, e.g. 431). */
  function expectRefusal(result: Response4xx, envelope: Envelope, context: string): void {
    const described = `${context} → ${result.status} ${result.text.slice(0, 300)}`;
    if (!(result.status >= 400 && result.status < 500)) throw new Error(`expected a 4xx: ${described}`);
    let body: any;
    try {
      body = JSON.parse(result.text);
    } catch {
      throw new Error(`error body is not JSON: ${described}`);
    }
    const ok =
      envelope === 'openai' ? typeof body?.error?.message === 'string' && typeof body.error.type === 'string' && typeof body.error.code === 'string'
      : envelope === 'anthropic' ? body?.type === 'error' && typeof body.error?.type === 'string' && typeof body.error.message === 'string'
      : envelope === 'gemini' ? typeof body?.error?.code === 'number' && typeof body.error.status === 'string' && typeof body.error.message === 'string'
      : envelope === 'oauth' ? typeof body?.error === 'string' || typeof body?.error?.message === 'string'
      : body?.jsonrpc === '2.0' ? typeof body.error?.code === 'number' : typeof body?.error?.message === 'string';
    if (!ok) throw new Error(`not the ${envelope} envelope: ${described}`);
  }

  const gatewayProcess = () => {
    const service = stack.stack.services.get('gateway');
    if (!service) throw new Error('no gateway process');
    return service;
  };

  /** Still serving; nothing reached the provider. */
  async function expectAliveAndUntouched(): Promise<void> {
    expect(gatewayProcess().process.exitCode).toBeNull();
    expect((await fetch(`${gateway}/healthz`)).status).toBe(200);
    expect(fake.requests.length).toBe(upstreamRequestsBefore);
  }

  it('malformed JSON, invalid UTF-8, deep nesting and oversized bodies: 400/413 in the envelope, on every endpoint with a body', async () => {
    const malformed = fc.oneof(
      fc.constantFrom('{', '{"model":', '[1,2', '{"a":1,}', "{'a':1}", 'null', 'NaN', '{"a":undefined}', '\u0000', '{"__proto__":{"x":1}', '"\\ud800"'),
      // A JSON text ending in a comma is never valid.
      fc.string({ maxLength: 40 }).map((s) => `{${s},`),
      fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth)),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(bytes), Buffer.from(',')])),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints, ...passthroughAndMcp(keyId)), malformed, async (endpoint, body) => {
        const result = await send(endpoint.method, endpoint.path, { ...auth[endpoint.auth], 'content-type': 'application/json' }, body);
        expectRefusal(result, endpoint.envelope, `${endpoint.method} ${endpoint.path} ${String(body).slice(0, 60)}`);
      }),
      { numRuns: RUNS * 6 },
    );
    // Well-formed JSON whose strings are invalid UTF-8 (decoded to U+FFFD): a validation error, not a crash.
    const invalidUtf8 = Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('","messages":[]}')]);
    expectRefusal(await send('POST', '/v1/chat/completions', { ...auth.key, 'content-type': 'application/json' }, invalidUtf8), 'openai', 'invalid UTF-8 in a string');
    // Valid JSON nested far deeper than any schema allows, in a field that takes any JSON (tool parameters).
    const deep = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}}}]}`;
    expectRefusal(await send('POST', '/v1/chat/completions', { ...auth.key, 'content-type': 'application/json' }, deep), 'openai', 'deeply nested tool parameters');
    const deepGemini = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":${'{"type":"object","properties":{"a":'.repeat(2_000)}{"type":"string"}${'}}'.repeat(2_000)}}]}]}`;
    expectRefusal(await send('POST', '/v1beta/models/openai/gpt-4o-mini:generateContent', { 'x-goog-api-key': stack.apiKey, 'content-type': 'application/json' }, deepGemini), 'gemini', 'deeply nested Gemini schema');
    // Larger than GATEWAY_BODY_BYTES_MAX: 413 in the surface's envelope.
    const huge = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(BODY_BYTES_MAX + 1) }] });
    for (const [path, headers, envelope] of [
      ['/v1/chat/completions', auth.key, 'openai'],
      ['/v1/messages', { 'x-api-key': stack.apiKey }, 'anthropic'],
      ['/v1beta/models/openai/gpt-4o-mini:generateContent', { 'x-goog-api-key': stack.apiKey }, 'gemini'],
    ] as const) {
      const result = await send('POST', path, { ...headers, 'content-type': 'application/json' }, huge);
      expect(result.status).toBe(413);
      expectRefusal(result, envelope, `oversized ${path}`);
    }
    await expectAliveAndUntouched();
  }, 120_000);

  it('wrong types, negative and enormous numbers, SQL-looking and traversal strings in typed fields: 4xx, no state change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints).chain((endpoint) => fc.tuple(fc.constant(endpoint), fc.constantFrom(...Object.keys(endpoint.fields)))),
        fc.nat(),
        async ([endpoint, field], seed) => {
          const value = fc.sample(hostileValue(endpoint.fields[field]), { numRuns: 1, seed })[0];
          const body = withField(endpoint.base, field, value);
          const result = await send(endpoint.method, endpoint.path, { ...auth[endpoint.auth], 'content-type': 'application/json' }, JSON.stringify(body));
          expectRefusal(result, endpoint.envelope, `${endpoint.method} ${endpoint.path} ${field}=${JSON.stringify(value)?.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS * 10 },
    );
    await expectAliveAndUntouched();
  }, 120_000);

  it('path traversal, SQL-looking and oversized ids in paths and queries: 4xx in the envelope', async () => {
    const hostileId = fc.oneof(
      fc.constantFrom(
        '../../../../etc/passwd',
        '..%2f..%2f..%2fetc%2fpasswd',
        '%2e%2e%2f%2e%2e%2fadmin',
        "' OR '1'='1",
        "1; DROP TABLE api_keys; --",
        '00000000-0000-0000-0000-000000000000\' --',
        '%00',
        '%ff%fe',
        '%E2%80%AE',
        '..',
        '.',
        '%2e%2e',
        'x'.repeat(5_000),
        '{{7*7}}',
        '$(id)',
      ),
      // Random ids, but never one that parses as a number (a valid `limit`/`days`).
      fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /[^0-9a-fA-F.xX+\-\s]/.test(s) && !/^\s*(Infinity|NaN)\s*$/.test(s)).map(encodeURIComponent),
    );
    const routes: Array<{ method: string; path: (id: string) => string; auth: Auth }> = [
      { method: 'GET', path: (id) => `/api/v1/keys/${id}`, auth: 'session' },
      { method: 'PATCH', path: (id) => `/api/v1/keys/${id}`, auth: 'session' },
      { method: 'DELETE', path: (id) => `/api/v1/keys/${id}`, auth: 'session' },
      { method: 'GET', path: (id) => `/api/v1/keys/${id}/guardrails`, auth: 'management' },
      { method: 'DELETE', path: (id) => `/api/v1/workspaces/members/${id}`, auth: 'session' },
      { method: 'GET', path: (id) => `/api/v1/generation?id=${id}`, auth: 'key' },
      { method: 'GET', path: (id) => `/api/v1/logs?limit=${id}`, auth: 'key' },
      { method: 'GET', path: (id) => `/api/v1/usage?days=${id}`, auth: 'key' },
      { method: 'GET', path: (id) => `/api/v1/transactions?limit=${id}`, auth: 'key' },
      { method: 'GET', path: (id) => `/api/v1/deposits?limit=${id}`, auth: 'key' },
      { method: 'GET', path: (id) => `/v1/models/${id}/${id}/endpoints`, auth: 'none' },
      { method: 'GET', path: (id) => `/api/v1/admin/workspaces/${id}/guardrails`, auth: 'admin' },
      { method: 'GET', path: (id) => `/api/v1/admin/workspaces/${id}/provider-keys`, auth: 'admin' },
      { method: 'DELETE', path: (id) => `/api/v1/admin/keys/${id}`, auth: 'admin' },
      { method: 'GET', path: (id) => `/api/v1/admin/ledger/accounts/${id}`, auth: 'admin' },
      { method: 'GET', path: (id) => `/api/v1/admin/ledger/journal?limit=${id}`, auth: 'admin' },
      { method: 'POST', path: (id) => `/v1beta/models/${id}:generateContent`, auth: 'key' },
      { method: 'POST', path: (id) => `/nonexistent-provider/${id}`, auth: 'key' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostileId, async (route, id) => {
        const path = route.path(id);
        const headers: Record<string, string> = { ...auth[route.auth], ...(route.method === 'POST' || route.method === 'PATCH' ? { 'content-type': 'application/json' } : {}) };
        const body = route.method === 'POST' ? '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}' : route.method === 'PATCH' ? '{"name":"x"}' : undefined;
        const result = await send(route.method, path, headers, body);
        // fetch() resolves dot segments, as any client may: the request is then for the resolved path
        // (`/api/v1/keys/../guardrails` is `/api/v1/guardrails`, a real route), so only its envelope is checked.
        const resolved = new URL(path, gateway).pathname;
        const context = `${route.method} ${path.slice(0, 120)}`;
        if (resolved !== path.split('?')[0]) {
          if (result.status >= 500) throw new Error(`expected no 5xx: ${context} → ${result.status} ${result.text.slice(0, 300)}`);
          if (result.status >= 400) expectRefusal(result, envelopeFor(resolved), context);
        } else {
          expectRefusal(result, envelopeFor(resolved), context);
        }
      }),
      // A dot-segment id that resolves onto a real route (once a flaky CI failure): always tried.
      { numRuns: RUNS * 6, examples: [[routes[3], '%2e%2e'], [routes[3], '..']] },
    );
    await expectAliveAndUntouched();
  }, 120_000);

  it('hostile headers: huge, injected, non-ASCII credentials; request smuggling: 4xx, the process stays up', async () => {
    const credentials = fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Bearer  sk-sy-', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'A'.repeat(8_000)}`, "Bearer ' OR 1=1 --", 'Bearer sk-sy-\u00ff\u00fe', 'Bearer %00', `Bearer ${stack.apiKey}x`),
      fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s)).map((s) => `Bearer ${s}`),
    );
    const paths: Array<[string, string, string]> = [
      ['POST', '/v1/chat/completions', 'authorization'],
      ['POST', '/v1/messages', 'x-api-key'],
      ['POST', '/v1beta/models/openai/gpt-4o-mini:generateContent', 'x-goog-api-key'],
      ['GET', '/api/v1/keys', 'authorization'],
      ['GET', '/api/v1/admin/ledger/accounts', 'authorization'],
      ['POST', '/mcp', 'authorization'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), credentials, async ([method, path, header], value) => {
        const result = await send(method, path, { [header]: header === 'authorization' ? value : value.replace(/^Bearer /, ''), 'content-type': 'application/json' }, method === 'POST' ? '{}' : undefined);
        expectRefusal(result, envelopeFor(path), `${header}: ${value.slice(0, 60)} on ${path}`);
      }),
      { numRuns: RUNS * 3 },
    );
    // Things fetch() refuses to send: raw HTTP over a socket.
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const { port } = new URL(gateway);
        // Written, not ended: a half-closed client gets no answer to a request still being handled.
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(request, 'latin1'));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        socket.setTimeout(5_000, () => socket.destroy());
      });
    const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
    const huge = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    expect(status(huge)).toBe(431);
    const injected = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Title: a\rSet-Cookie: sy_session=evil\r\n\r\n`);
    expect(status(injected)).toBeGreaterThanOrEqual(400);
    expect(injected).not.toMatch(/^set-cookie: sy_session=evil/im);
    const smuggled = await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/admin/ledger/accounts HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(status(smuggled)).toBe(400);
    expect(smuggled.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    const badUtf8Header = await raw(`GET /api/v1/credits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-sy-\xff\xfe\xc3\x28\r\nConnection: close\r\n\r\n`);
    expect(status(badUtf8Header)).toBe(401);
    await expectAliveAndUntouched();
  }, 120_000);

  it('nothing in the database changed and no unhandled error was logged', async () => {
    const after = await fingerprint();
    const changed = [...after].filter(([table, print]) => fingerprintBefore.get(table) !== print).map(([table]) => table);
    expect(changed).toEqual([]);
    expect(gatewayProcess().output()).not.toContain('unhandled error');
  });

  it('SSE-breaking message content cannot break the stream: every event stays one JSON object, [DONE] once at the end', async () => {
    const breaking = fc.oneof(
      fc.constantFrom('\n\ndata: [DONE]\n\n', 'data: {"injected":true}\r\n\r\n', '\r\r\r', 'event: error\ndata: x\n\n', '\u2028\u2029', '\ud800 lone surrogate', ': comment\n\n', '\u0000\u001b[2J'),
      fc.string({ maxLength: 50 }).map((s) => `${s}\n\ndata: ${s}\n\n`),
    );
    await fc.assert(
      fc.asyncProperty(breaking, async (content) => {
        const response = await fetch(`${gateway}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth.key, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'demo/echo', stream: true, max_tokens: 64, messages: [{ role: 'user', content }] }),
        });
        expect(response.status).toBe(200);
        const events = (await response.text()).split('\n\n').filter((block) => block.trim() !== '');
        const data = events.filter((block) => !block.startsWith(':')).map((block) => {
          expect(block.split('\n')).toHaveLength(1);
          expect(block.startsWith('data: ')).toBe(true);
          return block.slice(6);
        });
        expect(data.at(-1)).toBe('[DONE]');
        expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
        for (const d of data.slice(0, -1)) expect(() => JSON.parse(d)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

/** The pass-through and MCP take bodies too but answer in their own ways; used for the malformed-body cases only. */
function passthroughAndMcp(keyId: string): Endpoint[] {
  void keyId;
  return [
    { method: 'POST', path: '/openai/v1/chat/completions', auth: 'key', envelope: 'openai', base: {}, fields: {} },
    { method: 'POST', path: '/mcp', auth: 'management', envelope: 'jsonrpc', base: {}, fields: {} },
  ];
}

/** Every endpoint family that takes a JSON body, each with a valid body and the typed fields to break. */
function endpointTable(workspaceId: string, keyId: string): Endpoint[] {
  const chat = { model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
  const gemini = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 5 } };
  return [
    { method: 'POST', path: '/v1/chat/completions', auth: 'key', envelope: 'openai', base: chat, fields: { model: 'text', max_tokens: 'count', messages: 'list', 'messages.0.role': 'enum', 'messages.0.content': 'content', n: 'count' } },
    { method: 'POST', path: '/api/v1/chat/completions', auth: 'key', envelope: 'openai', base: chat, fields: { messages: 'list', max_tokens: 'count' } },
    { method: 'POST', path: '/v1/embeddings', auth: 'key', envelope: 'openai', base: { model: 'openai/text-embedding-3-small', input: 'hi' }, fields: { model: 'text', dimensions: 'count' } },
    { method: 'POST', path: '/v1/messages', auth: 'key', envelope: 'anthropic', base: chat, fields: { model: 'text', max_tokens: 'count', messages: 'list', 'messages.0.role': 'enum' } },
    { method: 'POST', path: '/anthropic/v1/messages', auth: 'key', envelope: 'anthropic', base: chat, fields: { max_tokens: 'count', messages: 'list' } },
    { method: 'POST', path: '/v1/messages/count_tokens', auth: 'key', envelope: 'anthropic', base: { model: 'openai/gpt-4o-mini', messages: chat.messages }, fields: { model: 'text', messages: 'list' } },
    { method: 'POST', path: '/v1beta/models/openai/gpt-4o-mini:generateContent', auth: 'key', envelope: 'gemini', base: gemini, fields: { contents: 'list', 'contents.0.role': 'enum', 'contents.0.parts': 'list', 'generationConfig.maxOutputTokens': 'count' } },
    { method: 'POST', path: '/v1beta/models/openai/gpt-4o-mini:streamGenerateContent?alt=sse', auth: 'key', envelope: 'gemini', base: gemini, fields: { contents: 'list' } },
    { method: 'POST', path: '/api/v1/keys', auth: 'session', envelope: 'openai', base: { name: 'k' }, fields: { name: 'text', kind: 'enum', credit_limit_micros: 'micros', expires_at: 'uuid' } },
    { method: 'PATCH', path: `/api/v1/keys/${keyId}`, auth: 'session', envelope: 'openai', base: { name: 'k2' }, fields: { name: 'text', disabled: 'enum', credit_limit_micros: 'micros' } },
    { method: 'PUT', path: `/api/v1/keys/${keyId}/guardrails`, auth: 'session', envelope: 'openai', base: { requests_per_day: 10 }, fields: { requests_per_day: 'count', daily_budget_micros: 'micros', allowed_models: 'list' } },
    { method: 'PUT', path: '/api/v1/guardrails/workspace', auth: 'session', envelope: 'openai', base: { requests_per_day: 10 }, fields: { requests_per_minute: 'count', monthly_budget_micros: 'micros', allowed_providers: 'list' } },
    { method: 'PUT', path: '/api/v1/workspaces/members', auth: 'session', envelope: 'openai', base: { address: '0x000000000000000000000000000000000000dEaD', role: 'member' }, fields: { address: 'address', role: 'enum' } },
    { method: 'POST', path: '/api/v1/auth/siwe/verify', auth: 'none', envelope: 'openai', base: { message: 'x', signature: `0x${'1'.repeat(130)}` }, fields: { message: 'text', signature: 'hex', workspace_id: 'uuid' } },
    { method: 'POST', path: '/api/v1/auth/refresh', auth: 'none', envelope: 'openai', base: { refresh_token: 'x' }, fields: { refresh_token: 'text' } },
    { method: 'POST', path: '/api/v1/auth/workspace', auth: 'session', envelope: 'openai', base: { workspace_id: workspaceId }, fields: { workspace_id: 'uuid' } },
    { method: 'POST', path: '/api/v1/auth/device', auth: 'none', envelope: 'openai', base: { client_id: 'c' }, fields: { client_id: 'string', scope: 'string' } },
    { method: 'POST', path: '/api/v1/auth/device/token', auth: 'none', envelope: 'oauth', base: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' }, fields: { grant_type: 'enum', device_code: 'text' } },
    { method: 'POST', path: '/api/v1/auth/device/approve', auth: 'session', envelope: 'openai', base: { user_code: 'BCDF-GHJK' }, fields: { user_code: 'text', action: 'enum' } },
    { method: 'POST', path: '/api/v1/deposits/verify', auth: 'key', envelope: 'openai', base: { tx_hash: `0x${'ab'.repeat(32)}` }, fields: { tx_hash: 'hex' } },
    { method: 'POST', path: '/api/v1/admin/workspaces', auth: 'admin', envelope: 'openai', base: { name: 'w', creditMicros: '1' }, fields: { name: 'text', creditMicros: 'micros' } },
    { method: 'POST', path: `/api/v1/admin/workspaces/${workspaceId}/keys`, auth: 'admin', envelope: 'openai', base: { name: 'k' }, fields: { name: 'text', expiresAt: 'uuid' } },
    { method: 'POST', path: `/api/v1/admin/workspaces/${workspaceId}/credits`, auth: 'admin', envelope: 'openai', base: { amountMicros: '1', reference: 'fuzz' }, fields: { amountMicros: 'micros', reference: 'text' } },
    { method: 'PUT', path: `/api/v1/admin/workspaces/${workspaceId}/guardrails`, auth: 'admin', envelope: 'openai', base: { requests_per_day: 10 }, fields: { requests_per_day: 'count', max_cost_per_request_micros: 'micros' } },
    { method: 'PUT', path: `/api/v1/admin/workspaces/${workspaceId}/provider-keys/openai`, auth: 'admin', envelope: 'openai', base: { api_key: 'sk-0123456789' }, fields: { api_key: 'text', allow_operator_fallback: 'enum' } },
  ];
}

const SQLISH = ["' OR 1=1 --", "'; DROP TABLE workspaces; --", '1 UNION SELECT key_hash FROM api_keys', '\\x27', "admin'--"];
const TRAVERSAL = ['../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f', '/dev/zero'];

/** Values a field of this kind must refuse. Strings for text fields are type errors; the strings here break format. */
function hostileValue(kind: FieldKind): fc.Arbitrary<unknown> {
  // No null: optional fields are often nullable.
  const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
  const badNumber = fc.oneof(
    fc.integer({ min: -2_147_483_648, max: -1 }),
    fc.constantFrom(1e308, -1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 0.5, -0.000001, 1e21),
    fc.constantFrom('-1', '1e3', '0x10', 'NaN', 'Infinity', ...SQLISH),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  switch (kind) {
    case 'text':
      return fc.oneof(notAString, fc.constant(null), fc.constant(''), fc.constant('x'.repeat(200_001)));
    case 'string':
      return fc.oneof(notAString, fc.constant('x'.repeat(200_001)));
    case 'content':
      return fc.oneof(notAString, fc.constant(null), fc.constant([{ type: 'script', text: '<script>' }]));
    case 'count':
      return badNumber;
    case 'micros':
      return fc.oneof(badNumber, fc.constantFrom('-5', '1.5', ' 1', '1'.repeat(40), '١٢٣', '+1'), fc.constant({ $gt: 0 }));
    case 'list':
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant({}), fc.constant([null]), fc.constant([1, 'two', { three: 3 }]));
    case 'uuid':
      return fc.oneof(notAString, fc.constantFrom(...SQLISH, ...TRAVERSAL, '00000000-0000-0000-0000-00000000000g', 'x'.repeat(300)));
    case 'address':
      return fc.oneof(notAString, fc.constantFrom(...SQLISH, '0x123', `0x${'g'.repeat(40)}`, `0x${'a'.repeat(41)}`));
    case 'enum':
      return fc.oneof(fc.integer(), fc.constant(null), fc.constantFrom(...SQLISH, ...TRAVERSAL, 'ADMIN', 'owner ', 'system\u0000'), fc.constant(['user']));
    case 'hex':
      return fc.oneof(notAString, fc.constantFrom(...SQLISH, '0x', `0x${'zz'.repeat(32)}`, `0x${'ab'.repeat(33)}`, `${'ab'.repeat(32)}`, '0x12\u0000'));
  }
}

/** `base` with the value at a dotted path (`messages.0.role`) replaced. */
function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, any>;
  const parts = path.split('.');
  let target: any = copy;
  for (const part of parts.slice(0, -1)) target = target[part];
  target[parts[parts.length - 1]] = value;
  return copy;
}
