import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, type ServiceProcess, startServiceProcess, startTestStack, type TestStack } from '@switchyard/testing';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

interface Tokens { access_token: string; refresh_token: string; address: string; workspace_id: string; token_type: string }
interface Key { id: string; name: string; kind: string; prefix: string; credit_limit_micros: string | null; credit_limit_reset: string | null; revoked_at: string | null }

/**
 * Accounts end to end against real processes: SIWE sign-in, sessions, members and roles, the keys API with
 * management keys, revocation across two gateway replicas, the device flow driven by the real CLI, and isolation
 * between workspaces.
 */
describe('accounts, keys and the CLI', () => {
  let stack: TestStack;
  let gateway: string;
  let replica: ServiceProcess;
  const secrets: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ services: ['ledger', 'router', 'billing', 'gateway'], env: { STARTER_CREDIT_MICROS: '500000', CHAIN_ID: '31337' } });
    gateway = stack.url('gateway');
    replica = await startServiceProcess('gateway', stack.env, { readyTimeoutMs: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await replica?.stop();
    await stack?.stop();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown, base = gateway) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, any> };
  };

  async function siweMessage(account: PrivateKeyAccount, overrides: { domain?: string } = {}): Promise<string> {
    const { body } = await call('POST', '/api/v1/auth/siwe/nonce');
    return createSiweMessage({ domain: overrides.domain ?? new URL(gateway).host, address: account.address, statement: 'Sign in to Switchyard', uri: gateway, version: '1', chainId: 1, nonce: body.nonce, issuedAt: new Date() });
  }

  async function signIn(account: PrivateKeyAccount, workspaceId?: string): Promise<Tokens> {
    const message = await siweMessage(account);
    const response = await call('POST', '/api/v1/auth/siwe/verify', undefined, { message, signature: await account.signMessage({ message }), ...(workspaceId ? { workspace_id: workspaceId } : {}) });
    expect(response.status).toBe(200);
    const tokens = response.body as Tokens;
    secrets.push(tokens.access_token, tokens.refresh_token);
    return tokens;
  }

  async function createKey(token: string, body: Record<string, unknown>): Promise<{ data: Key; key: string }> {
    const response = await call('POST', '/api/v1/keys', token, body);
    expect(response.status).toBe(201);
    secrets.push(response.body.key);
    return response.body as { data: Key; key: string };
  }

  const owner = privateKeyToAccount(generatePrivateKey());
  const teammate = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());

  it('describes itself: discovery and an OpenAPI document generated from the request schemas', async () => {
    const discovery = await call('GET', '/api/v1/auth/discovery');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({
      device_authorization_endpoint: `${gateway}/api/v1/auth/device`,
      token_endpoint: `${gateway}/api/v1/auth/device/token`,
      grant_types_supported: expect.arrayContaining(['urn:ietf:params:oauth:grant-type:device_code']),
      siwe: { domain: new URL(gateway).host },
      // A local chain: the dashboard offers its throwaway dev wallet.
      chain: { chain_id: 31337, local: true },
    });
    // RFC 8628 clients send form-encoded bodies.
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const authorization = await form('/api/v1/auth/device', { client_id: 'rfc-client' });
    expect(authorization.status).toBe(200);
    const { device_code: deviceCode, user_code: userCode, verification_uri_complete: verificationUri } = (await authorization.json()) as { device_code: string; user_code: string; verification_uri_complete: string };
    expect(userCode).toEqual(expect.any(String));
    // The dashboard's approval page, with the code filled in.
    expect(verificationUri).toBe(`${gateway}/dashboard/device?user_code=${userCode}`);
    const pending = await form('/api/v1/auth/device/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode });
    expect({ status: pending.status, body: await pending.json() }).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    const wrongGrant = await form('/api/v1/auth/device/token', { grant_type: 'password', device_code: deviceCode });
    expect(((await wrongGrant.json()) as { error: string }).error).toBe('unsupported_grant_type');
    const openapi = await call('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    const createKeyBody = openapi.body.paths['/api/v1/keys'].post.requestBody.content['application/json'].schema;
    expect(createKeyBody.required).toEqual(['name']);
    expect(createKeyBody.properties.credit_limit_reset.anyOf ?? createKeyBody.properties.credit_limit_reset.enum).toBeDefined();
    expect(openapi.body.paths['/api/v1/usage'].get.parameters.map((p: { name: string }) => p.name)).toContain('days');
  });

  it('signs a new wallet in with SIWE: a new workspace with starter credit, the wallet its owner, a cookie for the dashboard', async () => {
    const message = await siweMessage(owner);
    const signature = await owner.signMessage({ message });
    const response = await call('POST', '/api/v1/auth/siwe/verify', undefined, { message, signature });
    expect(response.status).toBe(200);
    const tokens = response.body as Tokens;
    secrets.push(tokens.access_token, tokens.refresh_token);
    expect(tokens).toMatchObject({ token_type: 'Bearer', address: owner.address.toLowerCase() });
    expect(tokens.access_token).toMatch(/^sy_at_/);
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('sy_session='))).toMatch(/HttpOnly; SameSite=Strict/);

    // The same signed message cannot be replayed (the nonce is single-use).
    expect((await call('POST', '/api/v1/auth/siwe/verify', undefined, { message, signature })).status).toBe(401);

    const me = await call('GET', '/api/v1/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ auth: 'session', address: owner.address.toLowerCase(), role: 'owner', workspace: { id: tokens.workspace_id } });
    const credits = await call('GET', '/api/v1/credits', tokens.access_token);
    expect(credits.status).toBe(200);
    expect(credits.body.balance_micros).toBe('500000');

    // Signing in again lands in the same workspace; the cookie alone authenticates a GET.
    expect((await signIn(owner)).workspace_id).toBe(tokens.workspace_id);
    const byCookie = await fetch(`${gateway}/api/v1/me`, { headers: { cookie: cookies.map((c) => c.split(';')[0]).join('; ') } });
    expect(byCookie.status).toBe(200);
  });

  it('refuses SIWE messages for another domain, with a wrong signature, or an unknown nonce', async () => {
    const other = await siweMessage(owner, { domain: 'evil.example' });
    expect((await call('POST', '/api/v1/auth/siwe/verify', undefined, { message: other, signature: await owner.signMessage({ message: other }) })).status).toBe(401);
    const message = await siweMessage(owner);
    expect((await call('POST', '/api/v1/auth/siwe/verify', undefined, { message, signature: await stranger.signMessage({ message }) })).status).toBe(401);
    const forged = createSiweMessage({ domain: new URL(gateway).host, address: owner.address, uri: gateway, version: '1', chainId: 1, nonce: 'abcdefgh12345678', issuedAt: new Date() });
    expect((await call('POST', '/api/v1/auth/siwe/verify', undefined, { message: forged, signature: await owner.signMessage({ message: forged }) })).status).toBe(401);
  });

  it('refresh rotates the tokens once; logout ends the session', async () => {
    const tokens = await signIn(owner);
    const refreshed = await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
    expect((await call('GET', '/api/v1/me', tokens.access_token)).status).toBe(401);
    expect((await call('GET', '/api/v1/me', refreshed.body.access_token)).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: tokens.refresh_token })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/logout', refreshed.body.access_token, {})).status).toBe(200);
    expect((await call('GET', '/api/v1/me', refreshed.body.access_token)).status).toBe(401);
  });

  it('manages keys: created with limit and expiry (raw once), listed without raw, updated, and revoked keys 401 on the other replica within 1 s', async () => {
    const session = (await signIn(owner)).access_token;
    const created = await createKey(session, { name: 'app', credit_limit_micros: '250000', credit_limit_reset: 'daily', expires_at: '2099-01-01T00:00:00Z' });
    expect(created.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(created.data).toMatchObject({ name: 'app', kind: 'inference', credit_limit_micros: '250000', credit_limit_reset: 'daily', expires_at: '2099-01-01T00:00:00.000Z' });

    const list = await call('GET', '/api/v1/keys', session);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.key);
    expect(list.body.data.map((k: Key) => k.id)).toContain(created.data.id);

    // The limit is the key's guardrail: the key itself sees it.
    const info = await call('GET', '/api/v1/key', created.key);
    expect(info.body.data).toMatchObject({ label: 'app', limit: '0.250000', limit_reset: 'daily' });

    const renamed = await call('PATCH', `/api/v1/keys/${created.data.id}`, session, { name: 'app-2', credit_limit_micros: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'app-2', credit_limit_micros: null, credit_limit_reset: null });

    // Both replicas have the key cached; revoke through one, the other refuses it within a second.
    expect((await call('GET', '/api/v1/key', created.key, undefined, replica.url)).status).toBe(200);
    expect((await call('GET', '/api/v1/key', created.key)).status).toBe(200);
    const revoked = await call('DELETE', `/api/v1/keys/${created.data.id}`, session);
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - revokedAt < 1_000) status = (await call('GET', '/api/v1/key', created.key, undefined, replica.url)).status;
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect((await call('POST', '/v1/chat/completions', created.key, { model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(401);
  });

  it('separates inference keys from management keys', async () => {
    const session = (await signIn(owner)).access_token;
    const inference = await createKey(session, { name: 'inference' });
    const management = await createKey(session, { name: 'ops', kind: 'management' });
    // An inference key cannot manage keys; a management key can, but cannot call models or mint management keys.
    expect((await call('GET', '/api/v1/keys', inference.key)).status).toBe(403);
    expect((await call('GET', '/api/v1/keys', management.key)).status).toBe(200);
    const minted = await createKey(management.key, { name: 'minted-by-ops' });
    expect(minted.data.kind).toBe('inference');
    expect((await call('POST', '/api/v1/keys', management.key, { name: 'x', kind: 'management' })).status).toBe(403);
    expect((await call('POST', '/v1/chat/completions', management.key, { model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(401);
    expect((await call('PUT', '/api/v1/guardrails/workspace', management.key, { requests_per_day: 100000 })).status).toBe(200);
    expect((await call('GET', '/api/v1/guardrails/workspace', session)).body.policy).toEqual({ requests_per_day: 100000 });
  });

  it('edits one key\u2019s guardrails: owners and management keys replace the policy, members read it, the key sees it', async () => {
    const ownerTokens = await signIn(owner);
    const session = ownerTokens.access_token;
    const key = await createKey(session, { name: 'limited', credit_limit_micros: '900000', credit_limit_reset: 'monthly' });
    const path = `/api/v1/keys/${key.data.id}/guardrails`;
    expect((await call('GET', path, session)).body).toMatchObject({ scope: 'key', key_id: key.data.id, policy: { credit_limit_micros: '900000', credit_limit_reset: 'monthly' } });
    const policy = { allowed_models: ['demo/echo'], max_cost_per_request_micros: '1000', requests_per_minute: 5, credit_limit_micros: '900000', credit_limit_reset: 'monthly' };
    const saved = await call('PUT', path, session, policy);
    expect(saved.status).toBe(200);
    expect(saved.body.policy).toEqual(policy);
    expect((await call('GET', '/api/v1/guardrails', key.key)).body.key).toEqual(policy);
    // The schema's own messages come back for a bad value.
    const bad = await call('PUT', path, session, { daily_budget_micros: '1.5' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('micro-USD');
    const management = await createKey(session, { name: 'ops-2', kind: 'management' });
    expect((await call('PUT', path, management.key, {})).body.policy).toEqual({});
    expect((await call('PUT', `/api/v1/keys/${management.data.id}/guardrails`, session, { requests_per_minute: 1 })).status).toBe(400);
    // A member reads but cannot change it.
    expect((await call('PUT', '/api/v1/workspaces/members', session, { address: teammate.address, role: 'member' })).status).toBe(200);
    const member = await signIn(teammate, ownerTokens.workspace_id);
    expect((await call('GET', path, member.access_token)).status).toBe(200);
    expect((await call('PUT', path, member.access_token, { requests_per_minute: 1 })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/workspaces/members/${teammate.address}`, session)).status).toBe(200);
  });

  it('workspaces have members with roles; only owners administer', async () => {
    const ownerTokens = await signIn(owner);
    expect((await call('PUT', '/api/v1/workspaces/members', ownerTokens.access_token, { address: teammate.address, role: 'member' })).status).toBe(200);
    const members = await call('GET', '/api/v1/workspaces/members', ownerTokens.access_token);
    expect(members.body.data.map((m: { address: string; role: string }) => [m.address, m.role])).toEqual(
      expect.arrayContaining([[owner.address.toLowerCase(), 'owner'], [teammate.address.toLowerCase(), 'member']]),
    );
    const shared = await signIn(teammate, ownerTokens.workspace_id);
    expect((await call('GET', '/api/v1/me', shared.access_token)).body.data).toMatchObject({ role: 'member', workspace: { id: ownerTokens.workspace_id } });
    expect((await call('PUT', '/api/v1/workspaces/members', shared.access_token, { address: stranger.address, role: 'owner' })).status).toBe(403);
    expect((await call('POST', '/api/v1/keys', shared.access_token, { name: 'mgmt', kind: 'management' })).status).toBe(403);
    expect((await call('POST', '/api/v1/keys', shared.access_token, { name: 'member-key' })).status).toBe(201);
    // The last owner cannot be removed; a removed member's session stops working at once.
    expect((await call('DELETE', `/api/v1/workspaces/members/${owner.address}`, ownerTokens.access_token)).status).toBe(409);
    expect((await call('DELETE', `/api/v1/workspaces/members/${teammate.address}`, ownerTokens.access_token)).status).toBe(200);
    expect((await call('GET', '/api/v1/me', shared.access_token)).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/siwe/verify', undefined, { message: 'x', signature: '0x00' })).status).toBe(400);
  });

  it('isolates workspaces: another workspace\u2019s session or key sees none of A\u2019s keys, and nothing leaks', async () => {
    const a = await signIn(owner);
    const b = await signIn(stranger);
    expect(b.workspace_id).not.toBe(a.workspace_id);
    const aKey = await createKey(a.access_token, { name: 'a-secret' });
    const bKey = await createKey(b.access_token, { name: 'b-key' });
    for (const token of [b.access_token, bKey.key]) {
      const tries = [
        await call('GET', `/api/v1/keys/${aKey.data.id}`, token),
        await call('PATCH', `/api/v1/keys/${aKey.data.id}`, token, { name: 'stolen' }),
        await call('DELETE', `/api/v1/keys/${aKey.data.id}`, token),
      ];
      for (const attempt of tries) expect([403, 404]).toContain(attempt.status);
      const lists = [await call('GET', '/api/v1/keys', token), await call('GET', '/api/v1/workspaces/members', token), await call('GET', '/api/v1/usage', token), await call('GET', '/api/v1/credits', token)];
      for (const list of lists) {
        expect(JSON.stringify(list.body)).not.toContain(aKey.data.id);
        expect(JSON.stringify(list.body)).not.toContain(a.workspace_id);
        expect(JSON.stringify(list.body)).not.toContain(owner.address.toLowerCase());
      }
    }
    expect((await call('GET', `/api/v1/keys/${aKey.data.id}`, a.access_token)).body.data.name).toBe('a-secret');
  });

  describe('the switchyard CLI', () => {
    const home = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
    const cli = (args: string[], env: Record<string, string> = {}, onStderr?: (text: string) => void) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'apps', 'cli', 'bin', 'switchyard.js'), ...args], {
          cwd: home,
          env: { PATH: process.env.PATH ?? '', HOME: home, SWITCHYARD_API_URL: gateway, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          onStderr?.(stderr);
        });
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });

    it('logs in by device flow (approved by the signed-in owner), then keys create → env → test → usage → revoke → 401, with --json and exit codes', async () => {
      const ownerSession = (await signIn(owner)).access_token;
      let approved = false;
      const login = await cli(['login', '--json'], {}, (stderr) => {
        const code = /code: ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
        if (code && !approved) {
          approved = true;
          void call('POST', '/api/v1/auth/device/approve', ownerSession, { user_code: code.toLowerCase() });
        }
      });
      expect(login.code).toBe(0);
      const loggedIn = JSON.parse(login.stdout);
      expect(loggedIn).toMatchObject({ logged_in: true, address: owner.address.toLowerCase() });
      const credentials = join(home, '.switchyard', 'credentials.json');
      expect(statSync(credentials).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(credentials, 'utf8'));
      secrets.push(stored.access_token, stored.refresh_token);

      const whoami = await cli(['whoami', '--json']);
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ auth: 'session', role: 'owner', workspace: { id: loggedIn.workspace_id } });

      const created = await cli(['keys', 'create', '--name', 'from-cli', '--limit', '0.10', '--limit-reset', 'monthly', '--json']);
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout) as { data: Key; key: string };
      secrets.push(key.key);
      expect(key.data).toMatchObject({ name: 'from-cli', credit_limit_micros: '100000', credit_limit_reset: 'monthly' });

      const listed = await cli(['keys', 'list', '--json']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).not.toContain(key.key);
      expect(JSON.parse(listed.stdout).map((k: Key) => k.id)).toContain(key.data.id);

      const env = await cli(['env'], { SWITCHYARD_API_KEY: key.key });
      expect(env.stdout).toBe(`OPENAI_API_KEY=${key.key}\nOPENAI_BASE_URL=${gateway}/v1\n`);

      const test = await cli(['test'], { SWITCHYARD_API_KEY: key.key });
      expect(test.code).toBe(0);
      expect(test.stdout).toMatch(/^OK connected \(demo\/echo\)/);

      const usage = await cli(['usage', '--days', '7', '--json']);
      expect(usage.code).toBe(0);
      expect(JSON.parse(usage.stdout)).toBeInstanceOf(Object);

      const guardrails = await cli(['guardrails', 'set', '{"requests_per_minute": 600}', '--json']);
      expect(guardrails.code).toBe(0);
      expect(JSON.parse((await cli(['guardrails', 'get', '--json'])).stdout).policy).toEqual({ requests_per_minute: 600 });

      const revoke = await cli(['keys', 'revoke', key.data.id, '--json']);
      expect(revoke.code).toBe(0);
      expect(JSON.parse(revoke.stdout).revoked_at).not.toBeNull();

      // Each class of failure: 401 → 1, unknown id (404) → 1, user error → 1, network → 2.
      const afterRevoke = await cli(['test', '--json'], { SWITCHYARD_API_KEY: key.key });
      expect(afterRevoke.code).toBe(1);
      expect(JSON.parse(afterRevoke.stdout).error).toMatchObject({ status: 401, exit_code: 1 });
      expect(afterRevoke.stderr).toContain('switchyard login');
      const missing = await cli(['keys', 'revoke', '00000000-0000-4000-8000-000000000000', '--json']);
      expect(missing.code).toBe(1);
      expect(JSON.parse(missing.stdout).error.status).toBe(404);
      expect((await cli(['usage', '--days', 'many'])).code).toBe(1);
      const offline = await cli(['whoami', '--json'], { SWITCHYARD_API_URL: 'http://127.0.0.1:9', SWITCHYARD_API_KEY: key.key });
      expect(offline.code).toBe(2);
      expect(JSON.parse(offline.stdout).error.exit_code).toBe(2);

      const logout = await cli(['logout', '--json']);
      expect(logout.code).toBe(0);
      expect((await call('GET', '/api/v1/me', stored.access_token)).status).toBe(401);
      expect((await cli(['whoami'])).code).toBe(1);
    }, 120_000);
  });

  it('never writes raw keys or session tokens to the logs', () => {
    const logs = `${stack.services.get('gateway')?.output() ?? ''}${replica.output()}`;
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
