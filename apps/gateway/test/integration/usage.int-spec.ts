import { randomBytes } from 'node:crypto';
import { microsToUsd } from '@switchyard/money';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';
const INITIAL_MICROS = 5_000_000n;

interface ReportedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: string;
}

interface Made {
  id: string;
  usage: ReportedUsage;
}

interface Totals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: string;
  cost: string;
}

interface UsageBody {
  data: {
    days: number;
    totals: Totals;
    by_model: Array<Totals & { model: string | null; provider: string | null }>;
    by_key: Array<Totals & { api_key_id: string | null }>;
    by_user: Array<Totals & { user: string | null }>;
    by_app: Array<Totals & { app_title: string | null; http_referer: string | null }>;
    by_day: Array<Totals & { date: string }>;
    by_day_model: Array<Totals & { date: string; model: string | null; other: boolean }>;
    by_day_key: Array<Totals & { date: string; api_key_id: string | null; other: boolean }>;
  };
}

interface LogRow {
  id: string;
  created_at: string;
  requested_model: string;
  model: string | null;
  provider: string | null;
  strategy: string | null;
  outcome: string;
  cost_micros: string;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: number;
  fallbacks: number;
  api_key_id: string | null;
  user: string | null;
  app_title: string | null;
  streamed: boolean;
}

interface LogsBody {
  data: LogRow[];
  next_cursor: string | null;
}

/** The `data:` payloads of a raw SSE body, `[DONE]` dropped. */
function sseChunks(raw: string): Array<{ usage?: ReportedUsage }> {
  return raw
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter((data) => data !== '' && data !== '[DONE]')
    .map((data) => JSON.parse(data) as { usage?: ReportedUsage });
}

// Usage, generation, logs, credits, balance and transactions through the gateway's HTTP API, on the real stack
// (ledger, router, billing, gateway processes; real Postgres, Redis, NATS/JetStream): every number read back is
// compared with what the completions reported to the client when they ran.
describe('usage, generations and logs of a workspace (gateway → billing/ledger over NATS)', () => {
  const fake = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], retryAfterSeconds: 1 });
  let stack: GatewayTestStack;
  let apiKey = '';
  let secondKey = { id: '', key: '' };
  let other = { id: '', key: '' };
  const made: Record<'plain' | 'streamed' | 'fallback' | 'secondKey', Made> = {} as never;
  let spentMicros = 0n;

  const get = (path: string, key = apiKey) => fetch(`${stack.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const getJson = async <T>(path: string, key = apiKey): Promise<T> => {
    const response = await get(path, key);
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return (await response.json()) as T;
  };
  const complete = async (body: object, headers: Record<string, string> = {}, key = apiKey) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
    });
  const tag = () => `u-${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    await fake.start();
    stack = await startGatewayTestStack({
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl },
      workspace: { name: 'usage', creditMicros: INITIAL_MICROS },
    });
    apiKey = stack.apiKey;
    other = await stack.createWorkspace('usage-other', 1_000_000n);
    const created = await fetch(`${stack.gatewayUrl}/api/v1/admin/workspaces/${stack.workspaceId}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.stack.adminToken}` },
      body: JSON.stringify({ name: 'second' }),
    });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { id: string; key: string };
    secondKey = { id: second.id, key: second.key };

    // 1. Non-streamed, attributed to an app and an end user.
    const plain = await complete(
      { model: 'demo/echo', messages: [{ role: 'user', content: `hello ${tag()}` }], max_tokens: 20 },
      { 'X-Title': 'Usage App', 'HTTP-Referer': 'https://usage.example', 'x-switchyard-user': 'alice' },
    );
    expect(plain.status).toBe(200);
    made.plain = { id: plain.headers.get('x-switchyard-request-id')!, usage: ((await plain.json()) as { usage: ReportedUsage }).usage };

    // 2. Streamed, another end user, a routing strategy.
    const streamed = await complete(
      { model: 'demo/echo', messages: [{ role: 'user', content: `stream ${tag()}` }], max_tokens: 25, stream: true },
      { 'X-Title': 'Usage App', 'x-switchyard-user': 'bob', 'x-routing-strategy': 'cheapest' },
    );
    expect(streamed.status).toBe(200);
    const chunks = sseChunks(await streamed.text());
    made.streamed = { id: streamed.headers.get('x-switchyard-request-id')!, usage: chunks.at(-1)!.usage! };

    // 3. An unknown model: refused before any hold, so it is no request anyone pays or sees in the usage.
    const unknown = await complete({ model: 'nobody/no-such-model', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    await unknown.text();

    // 4. A fallback: the OpenAI upstream answers 429, demo serves it.
    const fallback = await complete({
      model: 'openai/gpt-4o-mini',
      models: ['openai/gpt-4o-mini', 'demo/echo'],
      messages: [{ role: 'user', content: `[[fake:429]] ${tag()}` }],
      max_tokens: 15,
    });
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get('x-switchyard-provider')).toBe('demo');
    made.fallback = { id: fallback.headers.get('x-switchyard-request-id')!, usage: ((await fallback.json()) as { usage: ReportedUsage }).usage };

    // 5. The workspace's second key.
    const bySecondKey = await complete({ model: 'demo/echo', messages: [{ role: 'user', content: `second ${tag()}` }], max_tokens: 10 }, {}, secondKey.key);
    expect(bySecondKey.status).toBe(200);
    made.secondKey = { id: bySecondKey.headers.get('x-switchyard-request-id')!, usage: ((await bySecondKey.json()) as { usage: ReportedUsage }).usage };

    // And one request in the other workspace, which must never show up here.
    const elsewhere = await complete({ model: 'demo/echo', messages: [{ role: 'user', content: 'elsewhere' }], max_tokens: 10 }, { 'X-Title': 'Usage App' }, other.key);
    expect(elsewhere.status).toBe(200);
    await elsewhere.text();

    spentMicros = Object.values(made).reduce((sum, m) => sum + BigInt(m.usage.cost_micros), 0n);
    // Holds settled in the ledger, then the charge and log rows committed in billing.
    await stack.settledCredits();
    await stack.settledCredits(other.key);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [mine, theirs] = await Promise.all([getJson<LogsBody>('/api/v1/logs'), getJson<LogsBody>('/api/v1/logs', other.key)]);
      if (mine.data.length === 4 && theirs.data.length === 1) break;
      if (Date.now() > deadline) throw new Error(`request log not written: ${mine.data.length} + ${theirs.data.length} rows`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await fake.stop();
  });

  it('totals usage exactly as the completions reported it, broken down by model, key, end user, app and day', async () => {
    const { data } = await getJson<UsageBody>('/api/v1/usage?days=1');
    const all = Object.values(made);
    const sum = (pick: (m: Made) => number) => all.reduce((total, m) => total + pick(m), 0);
    expect(data.days).toBe(1);
    expect(data.totals).toMatchObject({
      requests: 4,
      prompt_tokens: sum((m) => m.usage.prompt_tokens),
      completion_tokens: sum((m) => m.usage.completion_tokens),
      cost_micros: spentMicros.toString(),
      cost: microsToUsd(spentMicros),
    });
    expect(spentMicros).toBeGreaterThan(0n);
    // Everything was served by demo, whatever was asked for.
    expect(data.by_model).toEqual([expect.objectContaining({ model: 'demo/echo', provider: 'demo', requests: 4, cost_micros: spentMicros.toString() })]);
    const cost = (...ms: Made[]) => ms.reduce((total, m) => total + BigInt(m.usage.cost_micros), 0n).toString();
    expect(data.by_key).toHaveLength(2);
    expect(data.by_key).toContainEqual(expect.objectContaining({ api_key_id: secondKey.id, requests: 1, cost_micros: cost(made.secondKey) }));
    expect(data.by_key).toContainEqual(expect.objectContaining({ requests: 3, cost_micros: cost(made.plain, made.streamed, made.fallback) }));
    expect(data.by_user.map((row) => [row.user, row.requests, row.cost_micros]).sort()).toEqual(
      [
        ['alice', 1, cost(made.plain)],
        ['bob', 1, cost(made.streamed)],
        [null, 2, cost(made.fallback, made.secondKey)],
      ].sort(),
    );
    expect(data.by_app).toContainEqual(expect.objectContaining({ app_title: 'Usage App', http_referer: 'https://usage.example', requests: 1, cost_micros: cost(made.plain) }));
    expect(data.by_app).toContainEqual(expect.objectContaining({ app_title: 'Usage App', http_referer: null, requests: 1, cost_micros: cost(made.streamed) }));
    expect(data.by_app).toContainEqual(expect.objectContaining({ app_title: null, http_referer: null, requests: 2 }));
    expect(data.by_day).toEqual([expect.objectContaining({ date: new Date().toISOString().slice(0, 10), requests: 4, cost_micros: spentMicros.toString() })]);
  });

  it('splits every day by model and by key, exactly, in SQL-grouped series', async () => {
    const { data } = await getJson<UsageBody>('/api/v1/usage?days=7');
    const today = new Date().toISOString().slice(0, 10);
    const exact = (...ms: Made[]) => {
      const micros = ms.reduce((total, m) => total + BigInt(m.usage.cost_micros), 0n);
      return {
        date: today,
        other: false,
        requests: ms.length,
        prompt_tokens: ms.reduce((total, m) => total + m.usage.prompt_tokens, 0),
        completion_tokens: ms.reduce((total, m) => total + m.usage.completion_tokens, 0),
        cost_micros: micros.toString(),
        cost: microsToUsd(micros),
      };
    };
    // Every request (the fallback included) was served by demo/echo: one model row for today, no `other`.
    expect(data.by_day_model).toEqual([expect.objectContaining({ model: 'demo/echo', ...exact(made.plain, made.streamed, made.fallback, made.secondKey) })]);
    const firstKeyId = data.by_key.find((row) => row.api_key_id !== secondKey.id)!.api_key_id;
    expect(firstKeyId).toEqual(expect.any(String));
    expect(data.by_day_key).toHaveLength(2);
    expect(data.by_day_key).toContainEqual(expect.objectContaining({ api_key_id: firstKeyId, ...exact(made.plain, made.streamed, made.fallback) }));
    expect(data.by_day_key).toContainEqual(expect.objectContaining({ api_key_id: secondKey.id, ...exact(made.secondKey) }));
    // Rows of a day come highest cost first.
    const costs = data.by_day_key.map((row) => BigInt(row.cost_micros));
    expect(costs[0]! >= costs[1]!).toBe(true);
    // Each series adds up to the day totals.
    for (const series of [data.by_day_model, data.by_day_key]) {
      expect(series.reduce((total, row) => total + BigInt(row.cost_micros), 0n)).toBe(spentMicros);
      expect(series.reduce((total, row) => total + row.requests, 0)).toBe(4);
    }
    // The other workspace's series hold only its own request.
    const theirs = (await getJson<UsageBody>('/api/v1/usage?days=7', other.key)).data;
    expect(theirs.by_day_model).toEqual([expect.objectContaining({ date: today, model: 'demo/echo', other: false, requests: 1 })]);
    expect(theirs.by_day_key).toEqual([expect.objectContaining({ date: today, other: false, requests: 1 })]);
    expect(theirs.by_day_key[0]!.api_key_id).not.toBe(secondKey.id);
  });

  it('validates days (1–90) and needs a key', async () => {
    expect((await getJson<UsageBody>('/api/v1/usage')).data.days).toBe(30);
    expect((await get('/api/v1/usage?days=0')).status).toBe(400);
    expect((await get('/api/v1/usage?days=91')).status).toBe(400);
    expect((await fetch(`${stack.gatewayUrl}/api/v1/usage`)).status).toBe(401);
    expect((await get('/api/v1/logs', 'sk-not-a-real-key')).status).toBe(401);
  });

  it('returns a generation with the exact tokens, cost and every attempt of the request', async () => {
    type Generation = { data: Record<string, unknown> & { provider_responses: Array<Record<string, unknown>> } };
    const { data } = await getJson<Generation>(`/api/v1/generation?id=${made.fallback.id}`);
    expect(data).toMatchObject({
      id: made.fallback.id,
      model: 'demo/echo',
      requested_model: 'openai/gpt-4o-mini',
      provider_name: 'demo',
      streamed: false,
      cancelled: false,
      outcome: 'succeeded',
      tokens_prompt: made.fallback.usage.prompt_tokens,
      tokens_completion: made.fallback.usage.completion_tokens,
      native_tokens_reasoning: 0,
      cost_micros: made.fallback.usage.cost_micros,
      total_cost: microsToUsd(BigInt(made.fallback.usage.cost_micros)),
    });
    expect(data.provider_responses).toEqual([
      expect.objectContaining({ provider_name: 'openai', model: 'openai/gpt-4o-mini', outcome: 'failed', status: 429 }),
      expect.objectContaining({ provider_name: 'demo', model: 'demo/echo', outcome: 'succeeded' }),
    ]);
    expect(typeof data.latency).toBe('number');

    const streamed = (await getJson<Generation>(`/api/v1/generation?id=${made.streamed.id}`)).data;
    expect(streamed).toMatchObject({ streamed: true, external_user: 'bob', app_title: 'Usage App', strategy: 'cheapest', cost_micros: made.streamed.usage.cost_micros });
    expect(typeof streamed.ttft_ms).toBe('number');
    expect((await getJson<Generation>(`/api/v1/generation?id=${made.plain.id}`)).data).toMatchObject({ external_user: 'alice', http_referer: 'https://usage.example' });
  });

  it('answers 404 for an unknown generation id and for another workspace’s', async () => {
    const unknown = await get('/api/v1/generation?id=gen-does-not-exist');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await get(`/api/v1/generation?id=${encodeURIComponent("gen-'; drop table")}`)).status).toBe(404);
    expect((await get(`/api/v1/generation?id=${made.plain.id}`, other.key)).status).toBe(404);
    expect((await get('/api/v1/generation')).status).toBe(400);
  });

  it('lists the log newest first with requested vs served model, strategy, timings, cost and fallbacks', async () => {
    const { data } = await getJson<LogsBody>('/api/v1/logs');
    expect(data.map((row) => row.id)).toEqual([made.secondKey.id, made.fallback.id, made.streamed.id, made.plain.id]);
    const times = data.map((row) => Date.parse(row.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const fallback = data.find((row) => row.id === made.fallback.id)!;
    expect(fallback).toMatchObject({ requested_model: 'openai/gpt-4o-mini', model: 'demo/echo', provider: 'demo', outcome: 'succeeded', attempts: 2, fallbacks: 1, cost_micros: made.fallback.usage.cost_micros });
    expect(data.find((row) => row.id === made.streamed.id)).toMatchObject({ strategy: 'cheapest', streamed: true, fallbacks: 0, user: 'bob', app_title: 'Usage App' });
    for (const row of data) expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    expect(data.reduce((total, row) => total + BigInt(row.cost_micros), 0n)).toBe(spentMicros);
  });

  it('filters the log by model, provider, outcome, key, user and time', async () => {
    const ids = async (query: string) => (await getJson<LogsBody>(`/api/v1/logs?${query}`)).data.map((row) => row.id);
    expect(await ids('model=openai/gpt-4o-mini')).toEqual([made.fallback.id]);
    expect(await ids('model=demo/echo')).toHaveLength(4);
    expect(await ids('provider=demo')).toHaveLength(4);
    expect(await ids('provider=openai')).toEqual([]);
    expect(await ids('outcome=succeeded')).toHaveLength(4);
    expect(await ids('outcome=failed')).toEqual([]);
    expect(await ids(`key=${secondKey.id}`)).toEqual([made.secondKey.id]);
    expect(await ids('user=alice')).toEqual([made.plain.id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(await ids(`from=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}`)).toHaveLength(4);
    expect((await get('/api/v1/logs?outcome=exploded')).status).toBe(400);
    expect((await get('/api/v1/logs?from=yesterday')).status).toBe(400);
    expect((await get(`/api/v1/logs?from=${encodeURIComponent(future)}&to=${encodeURIComponent(past)}`)).status).toBe(400);
  });

  it('pages the log with a cursor, limit at most 200', async () => {
    const first = await getJson<LogsBody>('/api/v1/logs?limit=3');
    expect(first.data).toHaveLength(3);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await getJson<LogsBody>(`/api/v1/logs?limit=3&cursor=${first.next_cursor}`);
    expect(second.data).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    expect([...first.data, ...second.data].map((row) => row.id)).toEqual([made.secondKey.id, made.fallback.id, made.streamed.id, made.plain.id]);
    const exact = await getJson<LogsBody>('/api/v1/logs?limit=4');
    expect(exact.next_cursor).toBeNull();
    expect((await getJson<LogsBody>('/api/v1/logs?limit=200')).data).toHaveLength(4);
    expect((await get('/api/v1/logs?limit=201')).status).toBe(400);
    expect((await get('/api/v1/logs?limit=0')).status).toBe(400);
    expect((await get('/api/v1/logs?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('shows another workspace none of it', async () => {
    const usage = (await getJson<UsageBody>('/api/v1/usage?days=90', other.key)).data;
    expect(usage.totals.requests).toBe(1);
    expect(usage.by_key).toHaveLength(1);
    expect(usage.by_key[0]!.api_key_id).not.toBe(secondKey.id);
    const logs = await getJson<LogsBody>('/api/v1/logs', other.key);
    expect(logs.data.map((row) => row.id)).not.toEqual(expect.arrayContaining([made.plain.id]));
    expect(logs.data).toHaveLength(1);
    expect((await getJson<LogsBody>(`/api/v1/logs?key=${secondKey.id}`, other.key)).data).toEqual([]);
  });

  it('reports credits in OpenRouter shape next to the balance fields, total_usage = what was spent', async () => {
    const credits = await getJson<{ data: { total_credits: string; total_usage: string }; balance_micros: string; pending_micros: string; available_micros: string }>('/api/v1/credits');
    expect(credits.data).toEqual({ total_credits: microsToUsd(INITIAL_MICROS), total_usage: microsToUsd(spentMicros) });
    expect(credits).toMatchObject({ balance_micros: (INITIAL_MICROS - spentMicros).toString(), pending_micros: '0', available_micros: (INITIAL_MICROS - spentMicros).toString() });

    const balance = await getJson<{ data: Record<string, string> }>('/api/v1/balance');
    expect(balance.data).toMatchObject({
      workspace_id: stack.workspaceId,
      posted_micros: (INITIAL_MICROS - spentMicros).toString(),
      pending_micros: '0',
      available_micros: (INITIAL_MICROS - spentMicros).toString(),
    });
    expect((await getJson<{ data: Record<string, string> }>('/api/v1/balance', other.key)).data.workspace_id).toBe(other.id);
  });

  it('lists the workspace’s ledger transactions, paginated, that add up to the balance', async () => {
    type Page = { data: Array<{ id: string; kind: string; direction: string; amount_micros: string; balance_micros: string; request_id: string | null }>; next_cursor: string | null };
    const lines: Page['data'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await getJson<Page>(`/api/v1/transactions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      lines.push(...page.data);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(1);
    expect(lines[0]).toMatchObject({ kind: 'single', direction: 'credit', amount_micros: INITIAL_MICROS.toString() });
    const posted = lines.filter((line) => line.kind === 'post');
    expect(posted.map((line) => line.request_id).sort()).toEqual(Object.values(made).map((m) => m.id).sort());
    expect(posted.reduce((total, line) => total + BigInt(line.amount_micros), 0n)).toBe(spentMicros);
    expect(lines.at(-1)!.balance_micros).toBe((INITIAL_MICROS - spentMicros).toString());
    // The other workspace sees only its own account.
    const theirs = await getJson<Page>('/api/v1/transactions', other.key);
    expect(theirs.data.map((line) => line.request_id)).not.toEqual(expect.arrayContaining([made.plain.id]));
    expect((await get('/api/v1/transactions?limit=500')).status).toBe(400);
  });
});
