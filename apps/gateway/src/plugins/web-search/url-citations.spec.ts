import { toUrlCitations } from './url-citations';

const sources = [
  { url: 'https://a.example/x', title: 'A', content: 'alpha' },
  { url: 'https://b.example/y', title: 'B', content: 'beta' },
];

describe('toUrlCitations', () => {
  it('cites every source and points at the markdown link where the answer has one', () => {
    const answer = 'See [a.example](https://a.example/x) for more.';
    const [a, b] = toUrlCitations(sources, answer);
    expect(answer.slice(a.url_citation.start_index, a.url_citation.end_index)).toBe('[a.example](https://a.example/x)');
    expect(b).toEqual({ type: 'url_citation', url_citation: { url: 'https://b.example/y', title: 'B', content: 'beta' } });
  });

  it('lists sources without spans when there is no answer text', () => {
    expect(toUrlCitations(sources, null).map((c) => c.url_citation.start_index)).toEqual([undefined, undefined]);
  });
});
