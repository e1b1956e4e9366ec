import { AUTO_CANDIDATES_MAX, autoCandidates } from './auto-candidates';
import { type EndpointPrice, PriceTable } from './price-table';

const table = PriceTable.loadFromDirectory();
const none = { tools: false, vision: false, jsonSchema: false };
const ids = (endpoints: EndpointPrice[]) => endpoints.map((e) => `${e.providerId}:${e.modelId}`);

describe('auto candidates over the shipped catalog', () => {
  it('are cheapest first by blended price and never embedding models', () => {
    const ranked = autoCandidates(table.all(), none);
    expect(ranked.length).toBeGreaterThan(10);
    expect(ranked.length).toBeLessThanOrEqual(AUTO_CANDIDATES_MAX);
    expect(ranked.some((e) => e.supports.has('embeddings'))).toBe(false);
    const blended = ranked.filter((e) => e.autoRouting !== 'last_resort').map((e) => 3n * e.inputMicrosPerMtok + e.outputMicrosPerMtok);
    expect(blended).toEqual([...blended].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // the local server (nominal price) is the cheapest real endpoint
    expect(ids(ranked).slice(0, 2)).toEqual(['local:meta-llama/llama-3.1-8b-instruct', 'local:qwen/qwen-2.5-7b-instruct']);
  });

  it('put the offline demo after every real endpoint', () => {
    const ranked = autoCandidates(table.all(), none);
    const firstDemo = ranked.findIndex((e) => e.providerId === 'demo');
    expect(firstDemo).toBeGreaterThan(0);
    expect(ranked.slice(firstDemo).every((e) => e.providerId === 'demo')).toBe(true);
  });

  it('honour the request needs: vision + json_schema leaves only endpoints with both', () => {
    const ranked = autoCandidates(table.all(), { tools: true, vision: true, jsonSchema: true });
    expect(ranked.length).toBeGreaterThan(0);
    for (const e of ranked) expect([e.supports.has('tools'), e.supports.has('vision'), e.supports.has('json_schema')]).toEqual([true, true, true]);
    expect(ids(ranked)).not.toContain('groq:meta-llama/llama-3.1-8b-instruct');
    expect(ids(ranked)[0]).toBe('mistral:mistral/mistral-small');
  });

  it('drop endpoints whose context cannot hold the prompt', () => {
    const ranked = autoCandidates(table.all(), none, 40_000);
    expect(ranked.every((e) => e.contextTokensMax > 40_000)).toBe(true);
    expect(ids(ranked)).not.toContain('local:qwen/qwen-2.5-7b-instruct');
  });
});
