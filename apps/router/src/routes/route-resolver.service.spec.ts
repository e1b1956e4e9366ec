import { RouterRouteResolve } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { PriceTable } from '@switchyard/pricing';
import { CatalogService } from '../catalog/catalog.service';
import { RouteResolverService } from './route-resolver.service';

const resolver = new RouteResolverService(new CatalogService(PriceTable.loadFromDirectory()));
const resolve = (input: Record<string, unknown>) => resolver.resolve(RouterRouteResolve.request.parse(input));
const served = (input: Record<string, unknown>) => resolve(input).candidates.map((c) => `${c.providerId}:${c.modelId}`);

describe('RouteResolverService', () => {
  it('resolves auto to chat endpoints over the whole catalog, cheapest first, demo last, no embedding models', () => {
    const candidates = served({ model: 'auto' });
    expect(candidates[0]).toBe('local:meta-llama/llama-3.1-8b-instruct');
    expect(candidates).toContain('openai:openai/gpt-4o-mini');
    expect(candidates.at(-1)?.startsWith('demo:')).toBe(true);
    expect(candidates.some((c) => c.includes('embedding') || c.includes('embed'))).toBe(false);
  });

  it('auto honours needs and provider filters', () => {
    const withVision = served({ model: 'auto', needs: { tools: true, vision: true, jsonSchema: true }, provider: { ignore: ['mistral', 'demo'] } });
    expect(withVision[0]).toBe('openai:openai/gpt-4o-mini');
    expect(withVision.every((c) => !c.startsWith('mistral:') && !c.startsWith('demo:'))).toBe(true);
    expect(served({ model: 'auto', provider: { only: ['groq'] } })).toEqual([
      'groq:meta-llama/llama-3.1-8b-instruct',
      'groq:qwen/qwq-32b',
      'groq:meta-llama/llama-3.3-70b-instruct',
    ]);
  });

  it('never routes chat to an embedding model', () => {
    expect(() => resolve({ model: 'openai/text-embedding-3-small' })).toThrow(AppError);
  });

  it('a model served by several providers lists each endpoint, cheapest first', () => {
    expect(served({ model: 'meta-llama/llama-3.3-70b-instruct' })).toEqual([
      'groq:meta-llama/llama-3.3-70b-instruct',
      'together:meta-llama/llama-3.3-70b-instruct',
      'fireworks:meta-llama/llama-3.3-70b-instruct',
    ]);
  });
});
