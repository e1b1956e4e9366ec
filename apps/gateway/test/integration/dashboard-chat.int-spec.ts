import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

interface Json {
  [key: string]: any;
}

/**
 * The dashboard's chat on the real stack: the session cookie authenticates /v1/chat/completions from the gateway's
 * own origin only, usage is the workspace's (no key), workspace guardrails apply; and the wallet's conversation
 * history (`/api/v1/conversations`), scoped to the wallet and its workspace and bounded.
 */
describe('dashboard chat: session-cookie completions and conversation history', () => {
  let stack: GatewayTestStack;
  let gateway: string;
  let origin: string;

  beforeAll(async () => {
    stack = await startGatewayTestStack({ env: { STARTER_CREDIT_MICROS: '500000' }, workspace: { name: 'dashboard-chat', creditMicros: 1_000_000n } });
    gateway = stack.gatewayUrl;
    origin = new URL(gateway).origin;
  }, 180_000);

  afterAll(async () => stack?.stop());

  /** Signs a wallet in with SIWE and returns its cookie header (as the browser would send it) and tokens. */
  async function signIn(account: PrivateKeyAccount): Promise<{ cookie: string; workspaceId: string; accessToken: string }> {
    const nonce = (await (await fetch(`${gateway}/api/v1/auth/siwe/nonce`, { method: 'POST' })).json()) as { nonce: string };
    const message = createSiweMessage({ domain: new URL(gateway).host, address: account.address, statement: 'Sign in to Switchyard', uri: gateway, version: '1', chainId: 1, nonce: nonce.nonce, issuedAt: new Date() });
    const response = await fetch(`${gateway}/api/v1/auth/siwe/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature: await account.signMessage({ message }) }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { workspace_id: string; access_token: string };
    return { cookie: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), workspaceId: body.workspace_id, accessToken: body.access_token };
  }

  const chat = (headers: Record<string, string>, body: object = {}) =>
    fetch(`${gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hello from the dashboard' }], max_tokens: 30, ...body }),
    });

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${gateway}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
  };

  const owner = privateKeyToAccount(generatePrivateKey());
  const teammate = privateKeyToAccount(generatePrivateKey());

  it('answers a same-origin cookie request as the workspace (stream and not), and refuses cross-origin or origin-less ones', async () => {
    const { cookie, workspaceId } = await signIn(owner);
    const plain = await chat({ cookie, origin });
    expect(plain.status).toBe(200);
    const body = (await plain.json()) as Json;
    expect(body.model).toBe('demo/echo');
    expect(body.usage.cost_micros).toMatch(/^[1-9]\d*$/);

    const streamed = await chat({ cookie, origin }, { model: 'auto', stream: true });
    expect(streamed.status).toBe(200);
    const sse = await streamed.text();
    expect(sse).toContain('data: [DONE]');
    expect(sse).toMatch(/"cost_micros":"\d+"/);

    // The cookie rides along on cross-site requests: a foreign or missing Origin is refused before anything is counted.
    const foreign = await chat({ cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as Json).error.code).toBe('forbidden');
    expect((await chat({ cookie })).status).toBe(403);
    // Without any credential it is still 401, and a key still works as before.
    expect((await chat({ origin })).status).toBe(401);
    expect((await chat({ authorization: `Bearer ${stack.apiKey}` })).status).toBe(200);

    // Usage is the workspace's, without a key, in its logs.
    const requestId = plain.headers.get('x-switchyard-request-id');
    let entry: Json | undefined;
    for (let i = 0; i < 60 && !entry; i++) {
      const logs = await call('GET', '/api/v1/logs', { cookie });
      entry = (logs.body.data as Json[]).find((e) => e.id === requestId);
      if (!entry) await new Promise((r) => setTimeout(r, 250));
    }
    expect(entry).toMatchObject({ requested_model: 'demo/echo', model: 'demo/echo', api_key_id: null, outcome: 'succeeded', cost_micros: body.usage.cost_micros });
    const credits = await call('GET', '/api/v1/credits', { cookie });
    expect(credits.status).toBe(200);
    expect(workspaceId).not.toBe(stack.workspaceId);
  });

  it('applies the workspace guardrails to session chats', async () => {
    const { cookie } = await signIn(owner);
    const put = await call('PUT', '/api/v1/guardrails/workspace', { cookie, origin }, { allowed_models: ['demo/echo'] });
    expect(put.status).toBe(200);
    // Policies are cached for a few seconds per caller.
    await new Promise((r) => setTimeout(r, 5_500));
    const blocked = await chat({ cookie, origin }, { model: 'demo/echo-large' });
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as Json).error).toMatchObject({ type: 'guardrail_violation', code: 'model_not_allowed', details: { scope: 'workspace', model: 'demo/echo-large' } });
    expect((await chat({ cookie, origin }, { model: 'demo/echo' })).status).toBe(200);
    expect((await call('PUT', '/api/v1/guardrails/workspace', { cookie, origin }, {})).status).toBe(200);
  });

  it('keeps conversations per wallet and workspace: CRUD, isolation, bounds', async () => {
    const mine = await signIn(owner);
    const headers = { cookie: mine.cookie, origin };
    expect((await call('GET', '/api/v1/chat/features', headers)).body.data).toEqual({ web_search: { configured: false, fee_micros: '5000' } });

    const created = await call('POST', '/api/v1/conversations', headers, { title: 'First chat', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Echo: hi', model: 'demo/echo', cost_micros: '12' }] });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    expect(created.body.data).toMatchObject({ title: 'First chat', messages: [{ role: 'user' }, { role: 'assistant', model: 'demo/echo', cost_micros: '12' }] });

    const updated = await call('PUT', `/api/v1/conversations/${id}`, headers, { title: 'Renamed', messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] });
    expect(updated.status).toBe(200);
    const list = await call('GET', '/api/v1/conversations', headers);
    expect(list.body.data).toEqual([expect.objectContaining({ id, title: 'Renamed', message_count: 1 })]);
    expect((await call('GET', `/api/v1/conversations/${id}`, headers)).body.data.messages[0].content[1].image_url.url).toBe('data:image/png;base64,AAAA');

    // Another wallet (its own workspace) sees nothing and cannot touch it; an API key has no conversations.
    const other = await signIn(teammate);
    const theirs = { cookie: other.cookie, origin };
    expect((await call('GET', '/api/v1/conversations', theirs)).body.data).toEqual([]);
    expect((await call('GET', `/api/v1/conversations/${id}`, theirs)).status).toBe(404);
    expect((await call('PUT', `/api/v1/conversations/${id}`, theirs, { title: 'x', messages: [] })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/conversations/${id}`, theirs)).status).toBe(404);
    expect((await call('GET', '/api/v1/conversations', { authorization: `Bearer ${stack.apiKey}` })).status).toBe(403);
    // Cookie writes need this gateway's origin.
    expect((await call('POST', '/api/v1/conversations', { cookie: mine.cookie }, { title: 't', messages: [] })).status).toBe(403);

    // Bounds: validated shape, at most 1 MiB of messages.
    expect((await call('POST', '/api/v1/conversations', headers, { title: '', messages: [] })).status).toBe(400);
    expect((await call('POST', '/api/v1/conversations', headers, { title: 't', messages: [{ role: 'tool', content: 'x' }] })).status).toBe(400);
    const huge = await call('POST', '/api/v1/conversations', headers, { title: 't', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('request_too_large');
    expect((await call('GET', '/api/v1/conversations/not-a-uuid', headers)).status).toBe(404);

    expect((await call('DELETE', `/api/v1/conversations/${id}`, headers)).status).toBe(200);
    expect((await call('GET', '/api/v1/conversations', headers)).body.data).toEqual([]);
  });
});
