import { type ListeningServer, listenOnLoopback } from './fake-upstream';

export interface FakeSearchResult {
  url: string;
  title: string;
  content: string;
}

/**
 * A web-search API answering in SearXNG's JSON (`GET /search?q=…&format=json` → `{ query, results: [{url, title, content}] }`)
 * and Brave's (`GET /res/v1/web/search?q=…` → `{ web: { results: [{url, title, description}] } }`). Records every query;
 * `failNext()` makes the next search answer 500.
 */
export class FakeSearchServer {
  readonly queries: Array<{ style: 'searxng' | 'brave'; q: string; headers: Record<string, string | string[] | undefined> }> = [];
  private listening?: ListeningServer;
  private failures = 0;

  constructor(private readonly results: FakeSearchResult[]) {}

  get url(): string {
    if (!this.listening) throw new Error('FakeSearchServer not started');
    return this.listening.url;
  }

  failNext(): void {
    this.failures++;
  }

  async start(): Promise<void> {
    this.listening = await listenOnLoopback((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const style = url.pathname === '/search' ? 'searxng' : url.pathname === '/res/v1/web/search' ? 'brave' : undefined;
      if (!style) {
        res.writeHead(404).end();
        return;
      }
      this.queries.push({ style, q: url.searchParams.get('q') ?? '', headers: req.headers });
      if (this.failures > 0) {
        this.failures--;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('search backend down');
        return;
      }
      const body =
        style === 'searxng'
          ? { query: url.searchParams.get('q'), number_of_results: this.results.length, results: this.results.map((r) => ({ ...r, engine: 'fake', score: 1 })) }
          : { type: 'search', web: { type: 'search', results: this.results.map((r) => ({ url: r.url, title: r.title, description: r.content })) } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  }

  async close(): Promise<void> {
    await this.listening?.close();
  }
}
