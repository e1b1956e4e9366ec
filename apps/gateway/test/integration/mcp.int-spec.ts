import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestStack, type TestStack } from '@switchyard/testing';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

/**
 * The remote MCP server against real processes, driven by the SDK's own client: a management key lists the tools and
 * calls them (the answers are the workspace's, from the same services as the HTTP routes); an inference key, a
 * session or no credential cannot connect. Also: a signed-in member's session reads deposits, guardrails and key info.
 */
describe('MCP server and session reads', () => {
  let stack: TestStack;
  let gateway: string;
  let session: string;
  let workspaceId: string;
  let managementKey: string;
  let inferenceKey: string;

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, any> };
  };

  async function signIn(account: PrivateKeyAccount): Promise<{ access_token: string; workspace_id: string }> {
    const { body: nonce } = await call('POST', '/api/v1/auth/siwe/nonce');
    const message = createSiweMessage({ domain: new URL(gateway).host, address: account.address, statement: 'Sign in to Switchyard', uri: gateway, version: '1', chainId: 1, nonce: nonce.nonce, issuedAt: new Date() });
    const response = await call('POST', '/api/v1/auth/siwe/verify', undefined, { message, signature: await account.signMessage({ message }) });
    expect(response.status).toBe(200);
    return response.body as { access_token: string; workspace_id: string };
  }

  async function connect(token?: string): Promise<Client> {
    const client = new Client({ name: 'switchyard-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway}/mcp`), { requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } });
    await client.connect(transport);
    return client;
  }

  const json = (result: Awaited<ReturnType<Client['callTool']>>) => {
    expect(result.isError).toBeFalsy();
    const content = result.content as { type: string; text: string }[];
    expect(content[0].type).toBe('text');
    return JSON.parse(content[0].text) as Record<string, any>;
  };

  beforeAll(async () => {
    stack = await startTestStack({ services: ['ledger', 'router', 'billing', 'gateway'], env: { STARTER_CREDIT_MICROS: '750000' } });
    gateway = stack.url('gateway');
    const tokens = await signIn(privateKeyToAccount(generatePrivateKey()));
    session = tokens.access_token;
    workspaceId = tokens.workspace_id;
    const management = await call('POST', '/api/v1/keys', session, { name: 'agent', kind: 'management' });
    expect(management.status).toBe(201);
    managementKey = management.body.key;
    const inference = await call('POST', '/api/v1/keys', session, { name: 'app', credit_limit_micros: '100000', credit_limit_reset: 'daily' });
    expect(inference.status).toBe(201);
    inferenceKey = inference.body.key;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('a management key lists the tools and calls balance, keys, usage and models', async () => {
    const client = await connect(managementKey);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['balance', 'deposit_address', 'keys_create', 'keys_list', 'keys_revoke', 'models', 'usage']);
      expect(tools.find((t) => t.name === 'keys_create')?.inputSchema.properties).toHaveProperty('credit_limit_micros');

      const balance = json(await client.callTool({ name: 'balance', arguments: {} }));
      expect(balance).toMatchObject({ workspace_id: workspaceId, posted_micros: '750000', available_micros: '750000' });

      const listed = json(await client.callTool({ name: 'keys_list', arguments: {} }));
      expect(listed.data.map((k: { name: string }) => k.name).sort()).toEqual(['agent', 'app']);
      expect(JSON.stringify(listed)).not.toContain(managementKey);
      expect(JSON.stringify(listed)).not.toContain(inferenceKey);

      // Create then revoke through MCP: the new key works until it is revoked, then answers 401.
      const created = json(await client.callTool({ name: 'keys_create', arguments: { name: 'from-mcp', credit_limit_micros: '5000' } }));
      expect(created.key).toMatch(/^sk-sy-/);
      expect(created.data).toMatchObject({ name: 'from-mcp', kind: 'inference', credit_limit_micros: '5000' });
      expect((await call('GET', '/api/v1/key', created.key)).status).toBe(200);
      const revoked = json(await client.callTool({ name: 'keys_revoke', arguments: { id: created.data.id } }));
      expect(revoked.data.revoked_at).not.toBeNull();
      expect((await call('GET', '/api/v1/key', created.key)).status).toBe(401);

      // The service's rules hold: a management key cannot mint another management key.
      const refused = await client.callTool({ name: 'keys_create', arguments: { name: 'escalate', kind: 'management' } });
      expect(refused.isError).toBe(true);
      expect((refused.content as { text: string }[])[0].text).toMatch(/^forbidden:/);

      const usage = json(await client.callTool({ name: 'usage', arguments: { days: 7 } }));
      expect(usage).toBeInstanceOf(Object);
      const models = json(await client.callTool({ name: 'models', arguments: {} }));
      expect(models.object).toBe('list');
      expect(Array.isArray(models.data)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('refuses an inference key, a session and no credential', async () => {
    await expect(connect(inferenceKey)).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/needs a management key/) });
    await expect(connect(session)).rejects.toMatchObject({ code: 403 });
    await expect(connect()).rejects.toMatchObject({ code: 401 });
    await expect(connect('sk-sy-not-a-real-key')).rejects.toMatchObject({ code: 401 });
    const raw = await fetch(`${gateway}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${inferenceKey}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(raw.status).toBe(403);
  });

  it('a session reads guardrails, key info and deposits like the usage routes', async () => {
    const owner = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    expect((await fetch(`${gateway}/api/v1/guardrails/workspace`, { method: 'PUT', headers: owner, body: JSON.stringify({ requests_per_minute: 42 }) })).status).toBe(200);

    const guardrails = await call('GET', '/api/v1/guardrails', session);
    expect(guardrails.status).toBe(200);
    expect(guardrails.body).toEqual({ workspace: expect.objectContaining({ requests_per_minute: 42 }), key: {} });
    const keyInfo = await call('GET', '/api/v1/key', session);
    expect(keyInfo.status).toBe(200);
    expect(keyInfo.body.data).toMatchObject({ label: null, key_prefix: null, limit: null, rate_limit: { requests: 42, interval: '1m' } });

    // An inference key still sees its own policy next to the workspace's.
    const byKey = await call('GET', '/api/v1/guardrails', inferenceKey);
    expect(byKey.body).toMatchObject({ workspace: { requests_per_minute: 42 }, key: { credit_limit_micros: '100000' } });
    expect((await call('GET', '/api/v1/key', inferenceKey)).body.data).toMatchObject({ label: 'app', limit: '0.100000' });

    // Deposits: the session passes authentication (no chain-watcher runs in this stack, so the answer is 503, not 401).
    for (const path of ['/api/v1/deposits/address', '/api/v1/deposits']) {
      const bySession = await call('GET', path, session);
      expect(bySession.status).toBe(503);
      expect(bySession.body.error.message).toMatch(/Deposits are unavailable/);
      expect((await call('GET', path)).status).toBe(401);
    }
    expect((await call('POST', '/api/v1/deposits/verify', session, { tx_hash: `0x${'ab'.repeat(32)}` })).status).toBe(503);
    expect((await call('POST', '/api/v1/deposits/verify', undefined, { tx_hash: `0x${'ab'.repeat(32)}` })).status).toBe(401);
  });
});
