import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';

describe('money under stress: parallel requests on a small balance, and a gateway killed mid-stream', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 300 });
  let stack: GatewayTestStack;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      // Short hold timeout and sweep so an orphaned hold expires within the test.
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl, HOLD_TIMEOUT_MS: '3000', LEDGER_SWEEP_INTERVAL_MS: '250' },
      workspace: { name: 'stress', creditMicros: 1_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  const chat = (key: string, body: object) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function audit(): Promise<{ balanced: boolean; sumMicros: string }> {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.stack.adminToken}` } });
    return (await response.json()) as { balanced: boolean; sumMicros: string };
  }

  it('200 parallel requests on a balance that covers 20: no overspend, never below 0, charged exactly what was reported', async () => {
    // demo/echo-large, 48 output tokens at $10/Mtok + the prompt bound at $2.50/Mtok ≈ 600 µUSD held per request.
    const body = { model: 'demo/echo-large', messages: [{ role: 'user', content: 'parallel' }], max_tokens: 48 };
    const probe = await stack.createWorkspace('probe', 1_000_000n);
    const single = (await (await chat(probe.key, body)).json()) as { usage: { cost_micros: string } };
    const worstCase = 600n;
    const { key } = await stack.createWorkspace('twenty', 20n * worstCase);

    const responses = await Promise.all(Array.from({ length: 200 }, () => chat(key, body)));
    const served = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 402);
    expect(served.length + refused.length).toBe(200);
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(refused.length).toBeGreaterThan(100);
    let reported = 0n;
    for (const r of served) reported += BigInt(((await r.json()) as { usage: { cost_micros: string } }).usage.cost_micros);
    for (const r of refused) expect(((await r.json()) as { error: { code: string } }).error.code).toBe('insufficient_balance');

    const settled = await stack.settledCredits(key);
    expect(BigInt(settled.balance_micros)).toBeGreaterThanOrEqual(0n);
    expect(20n * worstCase - BigInt(settled.balance_micros)).toBe(reported);
    // Late requests may get a partial hold (max_tokens lowered to what is left), so none costs more than a full one.
    expect(BigInt(single.usage.cost_micros) * BigInt(served.length)).toBeGreaterThanOrEqual(reported);
    expect(await audit()).toMatchObject({ balanced: true, sumMicros: '0' });
  });

  it('kill -9 the gateway mid-stream: the hold expires and the balance is restored exactly', async () => {
    const { key } = await stack.createWorkspace('killed', 1_000_000n);
    const before = await stack.credits(key);
    const response = await chat(key, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: '[[fake:slow]] stream then die' }], stream: true, max_tokens: 100 });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect((await stack.credits(key).catch(() => before)).pending_micros).not.toBe('0');

    await stack.stack.services.get('gateway')!.kill();
    await reader.read().catch(() => undefined);
    await stack.stack.restart('gateway');

    // No completion event was published: only the ledger's expiry can resolve the hold.
    const settled = await stack.settledCredits(key, { timeoutMs: 20_000 });
    expect(settled.balance_micros).toBe(before.balance_micros);
    expect(await audit()).toMatchObject({ balanced: true });
  });
});
