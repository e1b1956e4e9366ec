import { randomBytes } from 'node:crypto';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const OPERATOR_KEY = 'sk-operator-upstream-key';
const WORKSPACE_KEY = 'sk-workspace-own-key-7f3a';
/** The fake's chat fixture: 19 prompt + 10 completion tokens; gpt-4o-mini at $0.15 / $0.60 per Mtok → ceil(8.85) µUSD. */
const FULL_COST = 9n;
/** 5 % of the rates (7,500 / 30,000 µUSD per Mtok): 19 × 0.0075 + 10 × 0.03 = 0.4425 → 1 µUSD. */
const FEE_COST = 1n;

describe('bring your own key: a workspace’s own provider key is used first and charged the platform fee', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: OPERATOR_KEY, extraApiKeys: [WORKSPACE_KEY], models: ['gpt-4o-mini'] });
  let stack: GatewayTestStack;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: OPERATOR_KEY,
        OPENAI_BASE_URL: upstream.baseUrl,
        BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        BYOK_FEE_BASIS_POINTS: '500',
        BYOK_FREE_REQUESTS_PER_MONTH: '1',
      },
      workspace: { name: 'byok', creditMicros: 1_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  const admin = (method: string, path: string, body?: object) =>
    fetch(`${stack.gatewayUrl}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.stack.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const chat = async (key: string, marker: string) => {
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: marker }], max_tokens: 20 }),
    });
    return { status: response.status, text: await response.text() };
  };
  const costOf = (text: string) => BigInt((JSON.parse(text) as { usage: { cost_micros: string } }).usage.cost_micros);

  it('stores the key write-only: every answer shows a hint, never the key', async () => {
    const saved = await admin('PUT', `/workspaces/${stack.workspaceId}/provider-keys/openai`, { api_key: WORKSPACE_KEY });
    expect(saved.status).toBe(200);
    const savedText = await saved.text();
    expect(savedText).not.toContain(WORKSPACE_KEY);
    expect(JSON.parse(savedText)).toMatchObject({ provider: 'openai', key_hint: '…7f3a', allow_operator_fallback: false });
    const listed = await (await admin('GET', `/workspaces/${stack.workspaceId}/provider-keys`)).text();
    const mine = await (await fetch(`${stack.gatewayUrl}/api/v1/provider-keys`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).text();
    for (const text of [listed, mine]) {
      expect(text).not.toContain(WORKSPACE_KEY);
      expect(text).toContain('…7f3a');
    }
    expect((await admin('PUT', `/workspaces/${stack.workspaceId}/provider-keys/acme`, { api_key: 'sk-whatever-123' })).status).toBe(400);
  });

  it('requests go upstream with the workspace key; the first of the month is free, then the 5 % fee; the balance moves by exactly that', async () => {
    const before = await stack.settledCredits();
    const free = await chat(stack.apiKey, 'byok-1');
    const paid = await chat(stack.apiKey, 'byok-2');
    expect([free.status, paid.status]).toEqual([200, 200]);
    expect(costOf(free.text)).toBe(0n);
    expect(costOf(paid.text)).toBe(FEE_COST);
    for (const marker of ['byok-1', 'byok-2']) expect(upstream.requestsContaining(marker).map((r) => r.headers.authorization)).toEqual([`Bearer ${WORKSPACE_KEY}`]);
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(FEE_COST);
  });

  it('a rejected workspace key falls back to the operator key only when the workspace allows it (then at the full price)', async () => {
    const allowing = await stack.createWorkspace('byok-fallback', 1_000_000n);
    expect((await admin('PUT', `/workspaces/${allowing.id}/provider-keys/openai`, { api_key: 'sk-revoked-by-provider', allow_operator_fallback: true })).status).toBe(200);
    const served = await chat(allowing.key, 'byok-3');
    expect(served.status).toBe(200);
    expect(costOf(served.text)).toBe(FULL_COST);
    expect(upstream.requestsContaining('byok-3').map((r) => r.headers.authorization)).toEqual(['Bearer sk-revoked-by-provider', `Bearer ${OPERATOR_KEY}`]);

    const strict = await stack.createWorkspace('byok-strict', 1_000_000n);
    expect((await admin('PUT', `/workspaces/${strict.id}/provider-keys/openai`, { api_key: 'sk-revoked-by-provider' })).status).toBe(200);
    const refused = await chat(strict.key, 'byok-4');
    expect(refused.status).toBe(502);
    expect(refused.text).not.toContain('sk-revoked-by-provider');
    expect(upstream.requestsContaining('byok-4')).toHaveLength(1);
    expect((await stack.settledCredits(strict.key)).balance_micros).toBe('1000000');
  });

  it('deleting the key sends requests back to the operator key at the full price', async () => {
    expect((await admin('DELETE', `/workspaces/${stack.workspaceId}/provider-keys/openai`)).status).toBe(204);
    // The gateway caches a workspace's keys for up to 5 s.
    await new Promise((r) => setTimeout(r, 5_500));
    const after = await chat(stack.apiKey, 'byok-5');
    expect(costOf(after.text)).toBe(FULL_COST);
    expect(upstream.requestsContaining('byok-5').map((r) => r.headers.authorization)).toEqual([`Bearer ${OPERATOR_KEY}`]);
  });
});
