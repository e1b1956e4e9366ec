import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { OtlpCollector, startTestStack, type TestStack } from '@switchyard/testing';
import { generatePrivateKey, HDKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { createFundedWorkspace } from '../support/gateway-test-stack';

const MODEL = 'openai/gpt-4o-mini';

/**
 * No secret ever leaves in a log line, an error body or a trace: the whole system runs with debug logging and an
 * OTLP receiver, requests carry every kind of secret (operator provider key, API keys, admin token, a workspace's
 * own provider key, session and refresh tokens, a SIWE signature, the deposit xpub and the BYOK encryption key)
 * through successes and failures, and everything every process wrote or exported is searched for them.
 */
describe('secrets never leak into logs, error bodies or traces', () => {
  const operatorKey = `sk-operator-${randomBytes(24).toString('hex')}`;
  const workspaceProviderKey = `sk-byok-${randomBytes(24).toString('hex')}`;
  const fake = new FakeOpenAiUpstream({ apiKey: operatorKey, extraApiKeys: [workspaceProviderKey], models: ['gpt-4o-mini'] });
  const byokEncryptionKey = randomBytes(32).toString('base64');
  const xpub = HDKey.fromMasterSeed(pbkdf2Sync(randomBytes(16).toString('hex'), 'mnemonic', 2048, 64, 'sha512')).derive("m/44'/60'/0'/0").publicExtendedKey;
  let collector: OtlpCollector;
  let stack: TestStack;
  let gateway = '';
  /** Every answer body and header the clients saw. */
  const seen: string[] = [];
  const secrets: Array<{ name: string; value: string }> = [];

  beforeAll(async () => {
    await fake.start();
    collector = await OtlpCollector.start();
    stack = await startTestStack({
      services: ['ledger', 'router', 'billing', 'chain-watcher', 'gateway'],
      env: {
        LOG_LEVEL: 'debug',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OPENAI_API_KEY: operatorKey,
        OPENAI_BASE_URL: fake.baseUrl,
        BYOK_ENCRYPTION_KEY: byokEncryptionKey,
        CHAIN_DEPOSIT_XPUB: xpub,
      },
    });
    gateway = stack.url('gateway');
    secrets.push(
      { name: 'operator provider key', value: operatorKey },
      { name: 'workspace provider key', value: workspaceProviderKey },
      { name: 'BYOK encryption key', value: byokEncryptionKey },
      { name: 'deposit xpub', value: xpub },
      { name: 'admin token', value: stack.adminToken },
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await collector?.stop();
    await fake.stop();
  });

  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${gateway}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    seen.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`);
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json };
  }

  it('drives every kind of secret through successes and failures, then finds none of them anywhere', async () => {
    const admin = { authorization: `Bearer ${stack.adminToken}` };
    const { id: workspaceId, key: apiKey } = await createFundedWorkspace(gateway, stack.adminToken, 'secrets', '5000000');
    secrets.push({ name: 'API key', value: apiKey });
    const bearer = { authorization: `Bearer ${apiKey}` };

    // The operator's provider key: success, upstream failure, stream.
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, messages: [{ role: 'user', content: '[[fake:500]] hi' }] })).status).toBeGreaterThanOrEqual(500);
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    // The upstream refuses our key (its error names a masked key): the client sees our error, not theirs.
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, messages: [{ role: 'user', content: '[[fake:401]] hi' }] })).status).toBeGreaterThanOrEqual(400);
    // API keys in every accepted place, valid and not; the Gemini surface's ?key=.
    await call('GET', '/api/v1/key', { 'x-api-key': apiKey });
    await call('GET', '/api/v1/key', { 'x-goog-api-key': apiKey });
    await call('POST', `/v1beta/models/${MODEL}:generateContent?key=${encodeURIComponent(apiKey)}`, {}, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const unknownKey = `sk-sy-${randomBytes(32).toString('base64url')}`;
    secrets.push({ name: 'unknown API key', value: unknownKey });
    expect((await call('GET', '/api/v1/credits', { authorization: `Bearer ${unknownKey}` })).status).toBe(401);
    expect((await call('POST', `/v1beta/models/${MODEL}:generateContent?key=${unknownKey}`, {}, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })).status).toBe(401);
    expect((await call('GET', '/api/v1/admin/ledger/accounts', { authorization: `Bearer ${stack.adminToken}x` })).status).toBe(401);

    // A workspace's own provider key: stored (write-only), used, and refused by the upstream when wrong.
    expect((await call('PUT', `/api/v1/admin/workspaces/${workspaceId}/provider-keys/openai`, admin, { api_key: workspaceProviderKey })).status).toBe(200);
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, messages: [{ role: 'user', content: 'byok' }] })).status).toBe(200);
    expect(fake.requests.some((r) => r.headers.authorization === `Bearer ${workspaceProviderKey}`)).toBe(true);
    expect((await call('POST', '/v1/chat/completions', bearer, { model: MODEL, messages: [{ role: 'user', content: '[[fake:401]] byok' }] })).status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify((await call('GET', `/api/v1/admin/workspaces/${workspaceId}/provider-keys`, admin)).json)).not.toContain(workspaceProviderKey.slice(0, -4));

    // Sessions: SIWE (message and signature), refresh, a replayed signature, logout.
    const account = privateKeyToAccount(generatePrivateKey());
    const nonce = (await call('POST', '/api/v1/auth/siwe/nonce')).json.nonce as string;
    const message = createSiweMessage({ domain: new URL(gateway).host, address: account.address, uri: gateway, version: '1', chainId: 1, nonce, issuedAt: new Date() });
    const signature = await account.signMessage({ message });
    secrets.push({ name: 'SIWE signature', value: signature });
    const signedIn = await call('POST', '/api/v1/auth/siwe/verify', {}, { message, signature });
    expect(signedIn.status).toBe(200);
    // Raw tokens appear in exactly one place, the answer that issues them: search everything else.
    seen.pop();
    const { access_token: accessToken, refresh_token: refreshToken } = signedIn.json as { access_token: string; refresh_token: string };
    secrets.push({ name: 'session token', value: accessToken }, { name: 'refresh token', value: refreshToken });
    expect((await call('POST', '/api/v1/auth/siwe/verify', {}, { message, signature })).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { cookie: `sy_session=${accessToken}` })).status).toBe(200);
    expect((await call('POST', '/api/v1/keys', { cookie: `sy_session=${accessToken}`, origin: 'https://evil.example' }, { name: 'csrf' })).status).toBe(403);
    const created = await call('POST', '/api/v1/keys', { authorization: `Bearer ${accessToken}` }, { name: 'from-session' });
    expect(created.status).toBe(201);
    seen.pop();
    secrets.push({ name: 'session-created API key', value: created.json.key as string });
    const refreshed = await call('POST', '/api/v1/auth/refresh', {}, { refresh_token: refreshToken });
    expect(refreshed.status).toBe(200);
    seen.pop();
    secrets.push({ name: 'rotated session token', value: refreshed.json.access_token as string }, { name: 'rotated refresh token', value: refreshed.json.refresh_token as string });
    expect((await call('POST', '/api/v1/auth/refresh', {}, { refresh_token: refreshToken })).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { authorization: `Bearer ${accessToken}` })).status).toBe(401);

    // The deposit address comes from the xpub, which never leaves the chain-watcher (without a chain RPC here the
    // watcher may refuse; its output and the answer are searched either way).
    expect((await call('GET', '/api/v1/deposits/address', bearer)).status).toBeLessThan(600);

    // Let pino's asynchronous destinations and the span exporters flush.
    await new Promise((r) => setTimeout(r, 1_500));
    const haystacks: Array<{ where: string; text: string }> = [
      ...[...stack.services.values()].map((service) => ({ where: `${service.name} output`, text: service.output() })),
      { where: 'answers', text: seen.join('\n') },
      { where: 'OTLP spans', text: collector.payloads.join('\n') },
    ];
    // Not vacuous: debug logs were written and spans exported, from the gateway among others.
    expect(stack.services.get('gateway')?.output().length).toBeGreaterThan(1_000);
    expect(collector.spans.some((s) => s.service === 'switchyard-gateway')).toBe(true);
    // Spans do carry the query string: the `?key=` requests above are there, with the key redacted.
    expect(collector.payloads.join('\n')).toContain('key=REDACTED');
    const leaks: string[] = [];
    for (const { where, text } of haystacks) {
      for (const { name, value } of secrets) {
        // The value, URL-encoded or not, or its last 24 characters (prefixes like `sk-sy-` are public).
        for (const needle of new Set([value, encodeURIComponent(value), value.slice(-24)])) if (text.includes(needle)) leaks.push(`${name} in ${where}`);
      }
    }
    expect([...new Set(leaks)]).toEqual([]);
  }, 120_000);
});
