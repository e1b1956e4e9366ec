import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

/**
 * Fallbacks, circuit breakers and the router snapshot, end to end: ledger, router, billing and gateway as separate
 * processes on real NATS/Redis/Postgres; four OpenAI-compatible providers serving meta-llama/llama-3.1-8b-instruct,
 * each a fake upstream we can break. Catalog (price) order: local, groq, together, fireworks.
 */
const MODEL = 'meta-llama/llama-3.1-8b-instruct';
const BREAKER_COOLDOWN_MS = 4_000;
const KEYS = { groq: 'gsk_routing-groq', together: 'tg_routing-together', fireworks: 'fw_routing-fireworks' } as const;

interface EndpointView {
  provider_name: string;
  samples: number;
  success_rate: number | null;
  uptime_last_5m: number | null;
  latency: { p50: number; p99: number } | null;
  breaker: { state: 'closed' | 'open' | 'half_open'; consecutive_failures: number };
  pricing: { prompt_micros_per_mtok: string };
}
interface EndpointsBody {
  data: { id: string; routing_snapshot: { router_id: string; published_at: string } | null; endpoints: EndpointView[] };
}

describe('routing health: fallbacks, breakers and the router snapshot (separate processes, fake upstreams)', () => {
  const local = new FakeOpenAiUpstream({});
  const groq = new FakeOpenAiUpstream({ apiKey: KEYS.groq, hangMs: 30_000 });
  const together = new FakeOpenAiUpstream({ apiKey: KEYS.together, retryAfterSeconds: 2 });
  const fireworks = new FakeOpenAiUpstream({ apiKey: KEYS.fireworks });
  const fakes = { local, groq, together, fireworks };
  let stack: GatewayTestStack;
  let sequence = 0;

  beforeAll(async () => {
    await Promise.all(Object.values(fakes).map((fake) => fake.start()));
    stack = await startGatewayTestStack({
      env: {
        LOCAL_OPENAI_BASE_URL: local.baseUrl,
        GROQ_API_KEY: KEYS.groq,
        GROQ_BASE_URL: groq.baseUrl,
        TOGETHER_API_KEY: KEYS.together,
        TOGETHER_BASE_URL: together.baseUrl,
        FIREWORKS_API_KEY: KEYS.fireworks,
        FIREWORKS_BASE_URL: fireworks.baseUrl,
        UPSTREAM_TIMEOUT_MS: '1000',
        ROUTER_BREAKER_FAILURES: '2',
        ROUTER_BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS),
        ROUTER_SNAPSHOT_INTERVAL_MS: '100',
        // health reaches the router as fast as the snapshot leaves it, so each request sees the ones before it
        GATEWAY_HEALTH_REPORT_MS: '50',
      },
      workspace: { name: 'routing-health', creditMicros: 20_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(fakes).map((fake) => fake.stop()));
  });

  /**
   * One chat request with a unique marker; returns the response and which fakes saw it. `max_tokens` is large enough
   * that the hold (sized on the first, cheapest candidate) still pays for some output on the pricier fallbacks.
   */
  async function chat(options: { stream?: boolean; headers?: Record<string, string>; body?: Record<string, unknown> } = {}) {
    const marker = `routing-${++sequence}`;
    const started = Date.now();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}`, ...options.headers },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `hello ${marker}` }], max_tokens: 4_000, stream: options.stream ?? false, ...options.body }),
    });
    const text = await response.text();
    const reached = Object.entries(fakes)
      .filter(([, fake]) => fake.requestsContaining(marker).length > 0)
      .map(([name]) => name);
    return { status: response.status, provider: response.headers.get('x-switchyard-provider'), text, reached, elapsedMs: Date.now() - started };
  }

  async function endpoints(): Promise<EndpointsBody['data']> {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/models/${MODEL}/endpoints`);
    expect(response.status).toBe(200);
    return ((await response.json()) as EndpointsBody).data;
  }

  async function breakersUntil(predicate: (byProvider: Record<string, EndpointView>) => boolean, timeoutMs = 15_000): Promise<Record<string, EndpointView>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const byProvider = Object.fromEntries((await endpoints()).endpoints.map((e) => [e.provider_name, e]));
      if (predicate(byProvider)) return byProvider;
      if (Date.now() > deadline) throw new Error(`breakers never reached the expected state: ${JSON.stringify(byProvider)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('lists the model endpoints with prices from the start (snapshot present, no samples yet)', async () => {
    const view = await endpoints();
    expect(view.routing_snapshot?.router_id).toMatch(/^router-/);
    expect(view.endpoints.map((e) => [e.provider_name, e.pricing.prompt_micros_per_mtok])).toEqual(
      expect.arrayContaining([
        ['local', '10000'],
        ['groq', '50000'],
        ['together', '180000'],
        ['fireworks', '200000'],
      ]),
    );
    expect(view.endpoints.every((e) => e.samples === 0 && e.breaker.state === 'closed')).toBe(true);
  });

  it('503, a timeout and a 429 with Retry-After: requests still succeed through the fallbacks (non-streamed and streamed)', async () => {
    local.setScenario('503');
    groq.setScenario('hang');
    together.setScenario('429');
    // The order pinned: the first failures may already have reached the router's snapshot (health observed as
    // completions are published) when the second request is routed, and health alone would then reorder it.
    const pinned = { provider: { order: ['local', 'groq', 'together', 'fireworks'] } };
    const plain = await chat({ body: pinned });
    expect(plain.status).toBe(200);
    expect(plain.provider).toBe('fireworks');
    expect(plain.reached).toEqual(['local', 'groq', 'together', 'fireworks']);
    expect(plain.elapsedMs).toBeGreaterThanOrEqual(1_000); // groq's timeout

    const streamed = await chat({ stream: true, body: pinned });
    expect(streamed.status).toBe(200);
    expect(streamed.provider).toBe('fireworks');
    expect(streamed.text).toContain('data: [DONE]');
    expect(streamed.reached).toEqual(['local', 'groq', 'together', 'fireworks']);
  });

  it('the breakers of the failing endpoints open: later requests skip them and go straight to the healthy one', async () => {
    const open = await breakersUntil((e) => ['local', 'groq', 'together'].every((p) => e[p]?.breaker.state === 'open'));
    expect(open.fireworks).toMatchObject({ breaker: { state: 'closed' }, success_rate: 1, uptime_last_5m: 1 });
    expect(open.local).toMatchObject({ success_rate: 0, breaker: { consecutive_failures: 2 } });
    expect(open.fireworks.latency?.p50).toEqual(expect.any(Number));

    const skipped = await chat();
    expect(skipped.status).toBe(200);
    expect(skipped.reached).toEqual(['fireworks']);
    expect(skipped.elapsedMs).toBeLessThan(1_000); // no timeout paid on groq
  });

  it('after the cooldown the endpoints half-open, a probe succeeds and the breaker closes', async () => {
    local.setScenario(undefined);
    groq.setScenario(undefined);
    together.setScenario(undefined);
    await new Promise((r) => setTimeout(r, BREAKER_COOLDOWN_MS + 200));
    const probe = await chat();
    expect(probe.status).toBe(200);
    expect(probe.reached).toHaveLength(1);
    expect(['local', 'groq', 'together']).toContain(probe.provider);
    const closed = await breakersUntil((e) => e[probe.provider as string]?.breaker.state === 'closed');
    expect(closed[probe.provider as string].breaker.consecutive_failures).toBe(0);
  });

  it('kill the router: the gateway keeps routing with the last snapshot (health-aware, not catalog order)', async () => {
    // The remaining half-open endpoints get their probes (each once its own cooldown is over, so requests keep coming
    // until then, however fast they are served); then every breaker is closed again.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      expect((await chat()).status).toBe(200);
      const view = await endpoints();
      if (view.endpoints.every((e) => e.breaker.state === 'closed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await breakersUntil((e) => Object.values(e).every((view) => view.breaker.state === 'closed'));
    // The last snapshot says what catalog order would not: fireworks (no failure) is the most reliable endpoint.
    expect((await chat({ headers: { 'x-routing-strategy': 'most_reliable' } })).reached).toEqual(['fireworks']);
    const before = await endpoints();
    await stack.stack.services.get('router')!.kill();

    local.setScenario('503'); // catalog order would try local first
    const reliable = await chat({ headers: { 'x-routing-strategy': 'most_reliable' } });
    expect(reliable.status).toBe(200);
    expect(reliable.reached).toEqual(['fireworks']);
    const cheapest = await chat({ body: { provider: { sort: 'price' } } });
    expect(cheapest.status).toBe(200);
    expect(cheapest.provider).not.toBe('local');

    const after = await endpoints();
    expect(after.routing_snapshot?.router_id).toBe(before.routing_snapshot?.router_id);
    expect(after.endpoints.find((e) => e.provider_name === 'fireworks')?.samples).toBeGreaterThan(0);
  });
});
