#!/usr/bin/env node
// DEV ONLY. A canned, offline web-search API for `make up` (started by scripts/dev-stack.mjs), so the gateway's web search
// (`plugins: [{id: "web"}]`, `:online` models, the dashboard chat's "Web search" switch) works without a real search
// engine. It searches nothing: every query gets the same three example.com / example.org results, with titles and
// snippets made from the query. It speaks the wire format the gateway's WebSearchClient reads (as the test fake in
// apps/gateway/test/fake-upstreams/search.fake-upstream.ts does):
//   SearXNG: GET /search?q=…&format=json    → { query, number_of_results, results: [{ url, title, content }] }
//   Brave:   GET /res/v1/web/search?q=…     → { type, web: { type, results: [{ url, title, description }] } }
// plus GET /readyz. Listens on 127.0.0.1 only. Never point a deployed gateway at it.
import { createServer } from 'node:http';

const port = Number(process.env.DEMO_SEARCH_PORT ?? 8086);

/** Three deterministic results for a query (same query → same results). */
function demoResults(query) {
  const q = query.replace(/\s+/g, ' ').trim().slice(0, 120) || 'nothing';
  const slug = encodeURIComponent(q.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'query');
  return [
    { url: `https://example.com/articles/${slug}`, title: `${q} — Example Article`, content: `A demo article about "${q}". Demo search results are canned and offline (make up).` },
    { url: `https://example.org/wiki/${slug}`, title: `${q} — Example Wiki`, content: `Example Wiki's demo entry on "${q}": an overview, history and related topics.` },
    { url: `https://example.com/news?q=${slug}`, title: `Latest news: ${q}`, content: `Demo news coverage of "${q}" from example.com.` },
  ];
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://demo-search');
  if (req.method !== 'GET') return void res.writeHead(405).end();
  if (url.pathname === '/readyz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const q = url.searchParams.get('q') ?? '';
  let body;
  if (url.pathname === '/search') {
    const results = demoResults(q);
    body = { query: q, number_of_results: results.length, results: results.map((r) => ({ ...r, engine: 'demo', score: 1 })) };
  } else if (url.pathname === '/res/v1/web/search') {
    const count = Math.max(1, Math.min(20, Number(url.searchParams.get('count')) || 20));
    body = { type: 'search', web: { type: 'search', results: demoResults(q).slice(0, count).map((r) => ({ url: r.url, title: r.title, description: r.content })) } };
  } else {
    return void res.writeHead(404).end();
  }
  console.log(`${new Date().toISOString()} ${url.pathname} q=${JSON.stringify(q)}`);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});

server.on('error', (error) => {
  console.error(`demo search: ${error.message}${error.code === 'EADDRINUSE' ? ` (port ${port} is taken; set DEMO_SEARCH_PORT)` : ''}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`demo search (dev only) on http://127.0.0.1:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
