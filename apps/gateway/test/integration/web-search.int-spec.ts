import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { FakeSearchServer } from '../fake-upstreams/search.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream';
const SEARCH_FEE_MICROS = 5_000n;
/** openai/gpt-4o-mini: 0.15 / 0.60 USD per Mtok; the fake upstream reports 19 prompt + 10 (or 12 streamed) completion tokens. */
const tokensMicros = (prompt: number, completion: number) => BigInt(Math.ceil((prompt * 150_000 + completion * 600_000) / 1_000_000));
const RESULTS = [
  { url: 'https://example.org/polygon-usdt', title: 'USDT on Polygon', content: 'USDT on Polygon PoS uses 6 decimals.' },
  { url: 'https://news.example.com/gateways', title: 'LLM gateways compared', content: 'Gateways add latency; good ones add under a millisecond.' },
];

type Annotated = { annotations?: Array<{ type: string; url_citation: { url: string; title: string; content: string } }> };
type UsageWithCost = { cost_micros: string; cost: string; server_tool_use?: { web_search_requests: number } };

describe('web search plugin (fake SearXNG + fake OpenAI upstream, real ledger and billing)', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] });
  const search = new FakeSearchServer(RESULTS);
  let stack: GatewayTestStack;
  const INITIAL_MICROS = 2_000_000n;
  let billedMicros = 0n;

  beforeAll(async () => {
    await upstream.start();
    await search.start();
    stack = await startGatewayTestStack({
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl, WEB_SEARCH_URL: search.url, WEB_SEARCH_STYLE: 'searxng', WEB_SEARCH_FEE_MICROS: String(SEARCH_FEE_MICROS) },
      workspace: { name: 'web-search', creditMicros: INITIAL_MICROS },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
    await search.close();
  });

  const sdk = () => new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
  const tag = () => `q-${randomBytes(5).toString('hex')}`;

  function expectResultsGivenToModel(marker: string): void {
    const [sent] = upstream.requestsContaining(marker);
    expect(sent).toBeDefined();
    const messages = sent.body.messages as Array<{ role: string; content: string }>;
    const context = messages.at(-2)!;
    expect(context.role).toBe('system');
    expect(context.content).toContain('A web search was conducted on');
    for (const r of RESULTS) {
      expect(context.content).toContain(r.url);
      expect(context.content).toContain(r.content);
    }
    expect(messages.at(-1)).toMatchObject({ role: 'user' });
    expect(sent.body.model).toBe('gpt-4o-mini');
  }

  it('plugins: [{id: "web"}] searches the last user question, gives the model the results, cites them and charges the fee', async () => {
    const marker = tag();
    const question = `What decimals does USDT use on Polygon? ${marker}`;
    const completion = await sdk().chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: question },
      ],
      max_tokens: 50,
      plugins: [{ id: 'web', max_results: 2 }],
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);

    expect(search.queries.at(-1)).toMatchObject({ style: 'searxng', q: question });
    expectResultsGivenToModel(marker);
    const message = completion.choices[0].message as typeof completion.choices[0]['message'] & Annotated;
    expect(message.annotations?.map((a) => a.url_citation.url)).toEqual(RESULTS.map((r) => r.url));
    expect(message.annotations?.[0]).toMatchObject({ type: 'url_citation', url_citation: { title: RESULTS[0].title, content: RESULTS[0].content } });
    const usage = completion.usage as unknown as UsageWithCost;
    expect(usage.server_tool_use).toEqual({ web_search_requests: 1 });
    expect(BigInt(usage.cost_micros)).toBe(tokensMicros(19, 10) + SEARCH_FEE_MICROS);
    billedMicros += BigInt(usage.cost_micros);
  });

  it('a `:online` model streams with citations before the usage chunk, served by the model without the suffix', async () => {
    const marker = tag();
    const stream = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini:online', messages: [{ role: 'user', content: `latest gateway news ${marker}` }], max_tokens: 40, stream: true });
    let text = '';
    let citations: Annotated['annotations'];
    let usage: UsageWithCost | undefined;
    for await (const chunk of stream) {
      expect(chunk.model).toBe('openai/gpt-4o-mini');
      const delta = chunk.choices[0]?.delta as (Record<string, unknown> & Annotated) | undefined;
      text += (delta?.content as string | undefined) ?? '';
      if (delta?.annotations) citations = delta.annotations;
      if (chunk.usage) usage = chunk.usage as unknown as UsageWithCost;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(citations?.map((c) => c.url_citation.url)).toEqual(RESULTS.map((r) => r.url));
    expectResultsGivenToModel(marker);
    expect(usage?.server_tool_use).toEqual({ web_search_requests: 1 });
    expect(BigInt(usage!.cost_micros)).toBe(tokensMicros(19, 12) + SEARCH_FEE_MICROS);
    billedMicros += BigInt(usage!.cost_micros);
  });

  it('a failed search answers 502 naming the search, reaches no model and charges nothing', async () => {
    const marker = tag();
    search.failNext();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `fails ${marker}` }], plugins: [{ id: 'web' }] }),
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; metadata?: Record<string, unknown> } };
    expect(body.error).toMatchObject({ code: 'upstream_error', metadata: { provider: 'web-search', upstream_status: 500 } });
    expect(upstream.requestsContaining(marker)).toHaveLength(0);
  });

  it('bad plugin options are refused before anything is held', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], plugins: [{ id: 'web', max_results: 99 }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('plugins');
  });

  it('the balance moved by exactly what the responses reported (tokens + one fee per search), nothing for the failure', async () => {
    const settled = await stack.settledCredits();
    expect(BigInt(settled.balance_micros)).toBe(INITIAL_MICROS - billedMicros);
  });
});
