import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { z } from 'zod';
import { GATEWAY_ENV, type GatewayEnv } from '../../config/gateway.env';
import { abortScope } from '../../upstream/abort-scope';
import { UpstreamHttpClient } from '../../upstream/upstream-http.client';
import { WEB_SOURCE_LIMITS, type WebSource } from './web-source';

const SearxngAnswer = z.object({ results: z.array(z.object({ url: z.string(), title: z.string().default(''), content: z.string().default('') }).loose()) }).loose();
const BraveAnswer = z
  .object({ web: z.object({ results: z.array(z.object({ url: z.string(), title: z.string().default(''), description: z.string().default('') }).loose()) }).loose().optional() })
  .loose();

/** The configured search API: a SearXNG instance (`/search?format=json`) or a Brave-style endpoint (`/res/v1/web/search`). */
@Injectable()
export class WebSearchClient {
  constructor(
    private readonly http: UpstreamHttpClient,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  get isConfigured(): boolean {
    return Boolean(this.env.WEB_SEARCH_URL);
  }

  async search(query: string, maxResults: number, clientSignal: AbortSignal): Promise<WebSource[]> {
    const base = this.env.WEB_SEARCH_URL;
    if (!base) throw new AppError('invalid_request', 'Web search is not configured on this gateway.', { param: 'plugins' });
    const brave = this.env.WEB_SEARCH_STYLE === 'brave';
    const url = new URL(brave ? 'res/v1/web/search' : 'search', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('q', query);
    if (brave) url.searchParams.set('count', String(maxResults));
    else url.searchParams.set('format', 'json');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.env.WEB_SEARCH_API_KEY) headers[brave ? 'x-subscription-token' : 'authorization'] = brave ? this.env.WEB_SEARCH_API_KEY : `Bearer ${this.env.WEB_SEARCH_API_KEY}`;
    let body: unknown;
    const deadline = abortScope([clientSignal], this.env.WEB_SEARCH_TIMEOUT_MS);
    try {
      // Through the gateway's one outbound HTTP pool, like the providers.
      const response = await this.http.send({ url: url.toString(), method: 'GET', headers, signal: deadline.signal, timeoutMs: this.env.WEB_SEARCH_TIMEOUT_MS });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        throw new AppError('upstream_error', 'The web search failed.', { details: { provider: 'web-search', upstream_status: response.statusCode } });
      }
      body = await response.body.json();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('upstream_error', 'The web search failed.', { cause: error, details: { provider: 'web-search' } });
    } finally {
      deadline.dispose();
    }
    const sources = brave ? fromBrave(body) : fromSearxng(body);
    if (!sources) throw new AppError('upstream_error', 'The web search answered in an unexpected format.', { details: { provider: 'web-search' } });
    return sources.slice(0, maxResults).map((s) => ({
      url: s.url.slice(0, WEB_SOURCE_LIMITS.urlChars),
      title: s.title.slice(0, WEB_SOURCE_LIMITS.titleChars),
      content: s.content.slice(0, WEB_SOURCE_LIMITS.contentChars),
    }));
  }
}

function fromSearxng(body: unknown): WebSource[] | undefined {
  const parsed = SearxngAnswer.safeParse(body);
  return parsed.success ? parsed.data.results.map((r) => ({ url: r.url, title: r.title, content: r.content })) : undefined;
}

function fromBrave(body: unknown): WebSource[] | undefined {
  const parsed = BraveAnswer.safeParse(body);
  return parsed.success ? (parsed.data.web?.results ?? []).map((r) => ({ url: r.url, title: r.title, content: r.description })) : undefined;
}
