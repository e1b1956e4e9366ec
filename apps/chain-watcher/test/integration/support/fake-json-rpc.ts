import { createServer, type Server } from 'node:http';

/** A minimal Ethereum JSON-RPC node over HTTP (eth_chainId, eth_blockNumber) whose head a test moves. */
export class FakeJsonRpc {
  head = 0n;
  /** When true every call answers 503, like a node that went away. */
  down = false;
  readonly calls: string[] = [];

  private constructor(private readonly server: Server, readonly url: string, readonly chainId: number) {}

  static async start(chainId = 31_337): Promise<FakeJsonRpc> {
    let rpc: FakeJsonRpc | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (!rpc || rpc.down) {
          res.writeHead(503).end();
          return;
        }
        const parsed = JSON.parse(body) as { id: number; method: string } | Array<{ id: number; method: string }>;
        const answer = (call: { id: number; method: string }) => {
          rpc?.calls.push(call.method);
          if (call.method === 'eth_chainId') return { jsonrpc: '2.0', id: call.id, result: `0x${chainId.toString(16)}` };
          if (call.method === 'eth_blockNumber') return { jsonrpc: '2.0', id: call.id, result: `0x${rpc?.head.toString(16)}` };
          return { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: 'method not found' } };
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    rpc = new FakeJsonRpc(server, `http://127.0.0.1:${port}`, chainId);
    return rpc;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
