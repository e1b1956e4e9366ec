import type { UrlCitationAnnotation } from '@switchyard/contracts';
import type { WebSource } from './web-source';

/**
 * Every source the model was given, as `url_citation` annotations; where the answer links a source
 * (`[domain](url)`), the annotation points at that span of the answer.
 */
export function toUrlCitations(sources: WebSource[], answer: string | null): UrlCitationAnnotation[] {
  return sources.map((source) => {
    const at = answer ? answer.indexOf(`](${source.url})`) : -1;
    const start = at < 0 || !answer ? -1 : answer.lastIndexOf('[', at);
    const span = start < 0 ? {} : { start_index: start, end_index: at + source.url.length + 3 };
    return { type: 'url_citation', url_citation: { url: source.url, title: source.title, content: source.content, ...span } };
  });
}
