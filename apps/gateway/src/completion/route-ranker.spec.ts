import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { scriptedEndpoint, scriptedHealth, scriptedSnapshot } from './__fixtures__/scripted-routing-table';
import { routeQuery } from './route-query';
import { rankRoute } from './route-ranker';
import { RoutingTable } from './routing-table';

const NOW_MS = 1_000_000;
const CATALOG = [
  scriptedEndpoint('localbox', 'acme/small', 10_000, 10_000),
  scriptedEndpoint('alpha', 'acme/small', 50_000, 80_000),
  scriptedEndpoint('beta', 'acme/small', 180_000, 180_000, { supports: ['tools', 'json_object', 'json_schema'] }),
  scriptedEndpoint('gamma', 'acme/small', 200_000, 200_000, { contextTokensMax: 1_000 }),
  scriptedEndpoint('alpha', 'acme/mid', 600_000, 800_000),
  scriptedEndpoint('alpha', 'acme/large', 3_000_000, 15_000_000, { supports: ['tools', 'vision'] }),
  scriptedEndpoint('beta', 'acme/thinker', 550_000, 2_190_000, { supports: ['reasoning'] }),
  scriptedEndpoint('demo', 'demo/echo', 150_000, 600_000, { autoRouting: 'last_resort' }),
  scriptedEndpoint('alpha', 'acme/embed', 20_000, 0, { supports: ['embeddings'] }),
];
const healthy = RoutingTable.build(CATALOG, scriptedSnapshot([]));
const bare = RoutingTable.build(CATALOG, undefined);

const chat = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'acme/small', messages: [{ role: 'user', content: 'hello' }], ...overrides });
const served = (request: ChatRequest, table = healthy, header?: string) => rankRoute(table, routeQuery(request, header), NOW_MS).endpoints.map((e) => `${e.price.providerId}:${e.price.modelId}`);
const failure = (request: ChatRequest, table = healthy): AppError => {
  try {
    rankRoute(table, routeQuery(request, undefined), NOW_MS);
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the ranking to fail');
};

describe('rankRoute', () => {
  it('lists every endpoint of the model, cheapest first when nothing is known, never an embedding model', () => {
    expect(served(chat())).toEqual(['localbox:acme/small', 'alpha:acme/small', 'beta:acme/small', 'gamma:acme/small']);
    expect(failure(chat({ model: 'acme/embed' })).code).toBe('model_not_found');
    expect(failure(chat({ model: 'acme/unknown' })).message).toMatch(/does not exist/);
  });

  it('offers an own-key-only provider only to a workspace that has its key; alone, it names the missing key', () => {
    const table = RoutingTable.build(CATALOG, scriptedSnapshot([]), new Set(['beta']));
    const rank = (request: ChatRequest, ownKeys: string[]) => rankRoute(table, { ...routeQuery(request, undefined), ownKeyProviders: new Set(ownKeys) }, NOW_MS).endpoints.map((e) => e.price.providerId);
    expect(rank(chat(), [])).toEqual(['localbox', 'alpha', 'gamma']);
    expect(rank(chat(), ['beta'])).toEqual(['localbox', 'alpha', 'beta', 'gamma']);
    expect(rank(chat({ model: 'acme/thinker' }), ['beta'])).toEqual(['beta']);
    let refused: AppError | undefined;
    try {
      rankRoute(table, routeQuery(chat({ model: 'acme/thinker' }), undefined), NOW_MS);
    } catch (error) {
      refused = error as AppError;
    }
    expect(refused).toMatchObject({ code: 'model_not_found', param: 'model', details: { excluded_by: ['own_key'] } });
    expect(refused?.message).toMatch(/own provider key/);
  });

  it('filters what cannot serve before ranking: capabilities, context window, only/ignore, max_price, data_collection', () => {
    const schema = { type: 'json_schema' as const, json_schema: { name: 'x', schema: {} } };
    expect(served(chat({ response_format: schema }))).toEqual(['beta:acme/small']);
    expect(served(chat({ messages: [{ role: 'user', content: 'x'.repeat(4_000) }] }))).not.toContain('gamma:acme/small');
    expect(served(chat({ provider: { only: ['alpha', 'gamma'] } }))).toEqual(['alpha:acme/small', 'gamma:acme/small']);
    expect(served(chat({ provider: { ignore: ['localbox'] } }))[0]).toBe('alpha:acme/small');
    expect(served(chat({ provider: { max_price: { prompt: 0.1, completion: '0.1' } } }))).toEqual(['localbox:acme/small', 'alpha:acme/small']);
    expect(served(chat({ provider: { data_collection: 'deny' } }))).toEqual(['localbox:acme/small']);
    // no snapshot: nobody is known not to keep data, so "deny" fails closed
    expect(failure(chat({ provider: { data_collection: 'deny' } }), bare).param).toBe('provider');
    expect(failure(chat({ provider: { max_price: { prompt: 0.001 } } })).message).toMatch(/max_price/);
    expect(failure(chat({ messages: [{ role: 'user', content: 'x'.repeat(400_000) }] })).code).toBe('context_length_exceeded');
    expect(() => routeQuery(chat({ provider: { max_price: { prompt: 'cheap' } } }), undefined)).toThrow(/max_price/);
  });

  it('require_parameters also drops endpoints lacking what optional parameters need', () => {
    const asksReasoning = chat({ model: 'acme/thinker', models: ['acme/small'], reasoning_effort: 'low' });
    expect(served(asksReasoning)).toEqual(['beta:acme/thinker', 'localbox:acme/small', 'alpha:acme/small', 'beta:acme/small', 'gamma:acme/small']);
    expect(served({ ...asksReasoning, provider: { require_parameters: true } })).toEqual(['beta:acme/thinker']);
  });

  it('provider.order goes first; allow_fallbacks: false keeps only the ordered (or the primary) endpoint', () => {
    expect(served(chat({ provider: { order: ['beta', 'alpha'] } }))).toEqual(['beta:acme/small', 'alpha:acme/small', 'localbox:acme/small', 'gamma:acme/small']);
    expect(served(chat({ provider: { order: ['beta', 'alpha'], allow_fallbacks: false } }))).toEqual(['beta:acme/small', 'alpha:acme/small']);
    expect(served(chat({ provider: { allow_fallbacks: false } }))).toEqual(['localbox:acme/small']);
  });

  it('models: [...] falls back model by model (legacy route: "fallback" is the same thing), each ranked on its own', () => {
    expect(served(chat({ model: 'acme/mid', models: ['acme/mid', 'acme/large'], route: 'fallback' }))).toEqual(['alpha:acme/mid', 'alpha:acme/large']);
  });

  it('sorts by x-routing-strategy, else by provider.sort', () => {
    const table = RoutingTable.build(
      CATALOG,
      scriptedSnapshot([scriptedHealth('localbox', 'acme/small', { successes: 20, ttftP50Ms: 2_000 }), scriptedHealth('beta', 'acme/small', { successes: 20, ttftP50Ms: 100 })]),
    );
    expect(served(chat(), table, 'fastest')[0]).toBe('beta:acme/small');
    expect(served(chat({ provider: { sort: 'latency' } }), table)[0]).toBe('beta:acme/small');
    expect(served(chat({ provider: { sort: 'latency' } }), table, 'cheapest')[0]).toBe('localbox:acme/small');
    expect(rankRoute(table, routeQuery(chat(), 'bogus'), NOW_MS).strategy).toBe('balanced');
  });

  it('skips an endpoint whose breaker is open, probes it first once half-open, and tries cooling endpoints when nothing else is left', () => {
    const breakers = RoutingTable.build(
      CATALOG,
      scriptedSnapshot([
        scriptedHealth('localbox', 'acme/small', { failures: 5, breaker: { state: 'open', consecutiveFailures: 5, retryAtMs: NOW_MS + 10_000 } }),
        scriptedHealth('beta', 'acme/small', { successes: 1, failures: 9, breaker: { state: 'open', consecutiveFailures: 5, retryAtMs: NOW_MS - 1 } }),
        scriptedHealth('alpha', 'acme/mid', { failures: 5, breaker: { state: 'open', consecutiveFailures: 5, retryAtMs: NOW_MS + 5_000 } }),
      ]),
    );
    // beta's cooldown ended (even though the snapshot still says open): it is half-open and gets the probe
    expect(served(chat(), breakers)).toEqual(['beta:acme/small', 'alpha:acme/small', 'gamma:acme/small']);
    expect(served(chat({ model: 'acme/mid' }), breakers)).toEqual(['alpha:acme/mid']);
  });

  describe('auto', () => {
    const greeting = chat({ model: 'auto', messages: [{ role: 'user', content: 'Hi there! How are you today?' }] });
    const proof = chat({
      model: 'auto',
      messages: [{ role: 'user', content: 'Prove that there are infinitely many prime numbers. First assume finitely many, then derive a contradiction, finally conclude.' }],
    });

    it('sends a one-line greeting to the simple tier and a multi-step proof to the reasoning tier, recording the tier', () => {
      const simple = rankRoute(healthy, routeQuery(greeting, undefined), NOW_MS);
      expect(simple.autoTier).toBe('simple');
      expect(simple.endpoints.slice(0, 4).map((e) => e.price.modelId)).toEqual(['acme/small', 'acme/small', 'acme/small', 'acme/small']);
      const reasoning = rankRoute(healthy, routeQuery(proof, undefined), NOW_MS);
      expect(reasoning.autoTier).toBe('reasoning');
      expect(reasoning.endpoints[0].price.modelId).toBe('acme/thinker');
    });

    it('after the tier: the rest of the catalog cheapest first, the last-resort demo last', () => {
      expect(served(proof)).toEqual(['beta:acme/thinker', 'localbox:acme/small', 'alpha:acme/small', 'beta:acme/small', 'gamma:acme/small', 'alpha:acme/mid', 'alpha:acme/large', 'demo:demo/echo']);
    });

    it('without a snapshot it follows catalog order (no tiers known) but still records the tier', () => {
      const decision = rankRoute(bare, routeQuery(proof, undefined), NOW_MS);
      expect(decision.autoTier).toBe('reasoning');
      expect(decision.endpoints[0].price.providerId).toBe('localbox');
    });

    it('keeps needs: tools + vision leave only endpoints that have both', () => {
      const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAAA' } };
      const tool = { type: 'function' as const, function: { name: 'f' } };
      expect(served(chat({ model: 'auto', messages: [{ role: 'user', content: [image] }], tools: [tool] }))).toEqual(['alpha:acme/large']);
    });
  });
});
