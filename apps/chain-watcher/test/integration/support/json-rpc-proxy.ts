import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

interface RpcCall {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown[];
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** An RPC endpoint that is up but broken: every request answers HTTP 500. */
export class BrokenRpc {
  requests = 0;

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<BrokenRpc> {
    let rpc: BrokenRpc | undefined;
    const { server, url } = await listen((req, res) => {
      void readBody(req).then(() => {
        if (rpc) rpc.requests++;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      });
    });
    rpc = new BrokenRpc(server, url);
    return rpc;
  }

  close(): Promise<void> {
    return close(this.server);
  }
}

/**
 * A JSON-RPC proxy in front of a real node (anvil) that forwards every call unchanged, except:
 * - `eth_getLogs` over more than `maxLogRangeBlocks` blocks answers the error hosted nodes give for it;
 * - with `finalizedBlock` set, the `finalized` tag is answered with that (stale) block.
 * It records the eth_getLogs ranges it served and refused.
 */
export class JsonRpcProxy {
  maxLogRangeBlocks?: number;
  finalizedBlock?: bigint;
  readonly servedLogRanges: Array<[bigint, bigint]> = [];
  readonly refusedLogRanges: Array<[bigint, bigint]> = [];

  private constructor(private readonly server: Server, readonly url: string, readonly upstream: string) {}

  static async start(upstream: string, options: { maxLogRangeBlocks?: number } = {}): Promise<JsonRpcProxy> {
    let proxy: JsonRpcProxy | undefined;
    const { server, url } = await listen((req, res) => {
      void readBody(req)
        .then(async (body) => {
          const parsed = JSON.parse(body) as RpcCall | RpcCall[];
          const answers = await Promise.all((Array.isArray(parsed) ? parsed : [parsed]).map((call) => proxy!.answer(call)));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
        })
        .catch((error: unknown) => res.writeHead(502).end(String(error)));
    });
    proxy = new JsonRpcProxy(server, url, upstream);
    proxy.maxLogRangeBlocks = options.maxLogRangeBlocks;
    return proxy;
  }

  private async answer(call: RpcCall): Promise<unknown> {
    if (call.method === 'eth_getLogs' && this.maxLogRangeBlocks !== undefined) {
      const filter = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      if (filter.fromBlock?.startsWith('0x') && filter.toBlock?.startsWith('0x')) {
        const range: [bigint, bigint] = [BigInt(filter.fromBlock), BigInt(filter.toBlock)];
        if (range[1] - range[0] + 1n > BigInt(this.maxLogRangeBlocks)) {
          this.refusedLogRanges.push(range);
          return { jsonrpc: '2.0', id: call.id, error: { code: -32005, message: `block range is too large: at most ${this.maxLogRangeBlocks} blocks per request` } };
        }
        this.servedLogRanges.push(range);
      }
    }
    if (call.method === 'eth_getBlockByNumber' && call.params?.[0] === 'finalized' && this.finalizedBlock !== undefined) {
      call = { ...call, params: [`0x${this.finalizedBlock.toString(16)}`, ...(call.params.slice(1) ?? [])] };
    }
    const response = await fetch(this.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
    return response.json();
  }

  close(): Promise<void> {
    return close(this.server);
  }
}
