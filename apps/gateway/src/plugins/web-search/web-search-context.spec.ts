import type { ChatRequest } from '@switchyard/contracts';
import fc from 'fast-check';
import { promptTokensUpperBound } from '../../metering/hold-sizing';
import { searchContextTokensMax, withSearchResults } from './web-search-context';
import { WEB_SOURCE_LIMITS } from './web-source';

const base: ChatRequest = { model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }] } as ChatRequest;

describe('withSearchResults', () => {
  it('puts the dated results right before the last user message', () => {
    const out = withSearchResults(base, [{ url: 'https://a.example', title: 'A', content: 'alpha' }], undefined, new Date('2026-12-01T10:00:00Z'));
    expect(out.messages.map((m) => m.role)).toEqual(['system', 'system', 'user']);
    expect(out.messages[1].content).toContain('2026-12-01');
    expect(out.messages[1].content).toContain('[1] A\nURL: https://a.example\nalpha');
    expect(base.messages).toHaveLength(2);
  });

  it('the hold bound covers any results within the per-source caps', () => {
    // Any code points, control characters included (they grow most when JSON-escaped), cut like the client cuts.
    const text = (max: number) => fc.string({ unit: 'binary', maxLength: max }).map((s) => s.slice(0, max));
    const source = fc.record({ url: text(WEB_SOURCE_LIMITS.urlChars), title: text(WEB_SOURCE_LIMITS.titleChars), content: text(WEB_SOURCE_LIMITS.contentChars) });
    fc.assert(
      fc.property(fc.array(source, { minLength: 1, maxLength: 10 }), (sources) => {
        const grown = promptTokensUpperBound(withSearchResults(base, sources, undefined, new Date())) - promptTokensUpperBound(base);
        return grown <= searchContextTokensMax(sources.length);
      }),
      { numRuns: 50 },
    );
  });
});
