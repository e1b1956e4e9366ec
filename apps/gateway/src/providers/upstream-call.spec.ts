import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest } from '@switchyard/contracts';
import { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { OPENAI_PROVIDER } from './openai/openai.provider';
import { OpenAiCompatibleAdapter } from './openai-compatible/openai-compatible.adapter';

const chunk = (body: object) => `data: ${JSON.stringify(body)}\n\n`;
const request = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true } as ChatRequest;

describe('bodyChunks: a stream that ends at [DONE] before its body does', () => {
  let server: Server;
  let connections = 0;
  let http: UpstreamHttpClient;

  beforeAll(async () => {
    // `[DONE]` goes out, the end of the body 30 ms later: the decoder stops first
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] }));
      res.write(chunk({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.write(chunk({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
      res.write('data: [DONE]\n\n');
      setTimeout(() => res.end(), 30);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    http = new UpstreamHttpClient();
  });

  afterAll(async () => {
    await http.onApplicationShutdown();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the upstream connection for the next request instead of destroying the unfinished body', async () => {
    const { port } = server.address() as AddressInfo;
    const adapter = new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'sk-test', baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      const deltas = [];
      for await (const delta of adapter.stream(request, 'gpt-4o-mini', new AbortController().signal)) deltas.push(delta);
      expect(deltas).toContainEqual(expect.objectContaining({ type: 'usage' }));
      // the drained body has ended by the time the next request goes out (it ends 30 ms after [DONE]; a loaded
      // CI machine once took longer than the 60 ms this waited before)
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(connections).toBe(1);
  });
});
