import { dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { installRequestFastPath } from './request-fast-path';

// The module request.js builds its errors from (not an exported entry point of the package, so by file path).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const natsErrors = require(join(dirname(require.resolve('@nats-io/nats-core')), 'errors.js')) as { RequestError: new (message?: string) => Error };

describe('NATS requests without an Error per answered request (real NATS)', () => {
  const subject = `fast-path.${process.pid}.${Date.now()}`;
  let nc: NatsConnection;
  let built: string[] = [];
  const LibraryRequestError = natsErrors.RequestError;

  beforeAll(async () => {
    installRequestFastPath();
    natsErrors.RequestError = class CountedRequestError extends LibraryRequestError {
      constructor(message?: string) {
        super(message);
        built.push(message ?? '');
      }
    };
    nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', noAsyncTraces: true });
    nc.subscribe(`${subject}.echo`, { callback: (_error, message) => void message.respond(message.data) });
    nc.subscribe(`${subject}.silent`, { callback: () => undefined });
    await nc.flush();
  });

  afterAll(async () => {
    natsErrors.RequestError = LibraryRequestError;
    await nc?.close();
  });

  beforeEach(() => {
    built = [];
  });

  it('answers each request with its reply and builds no RequestError', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => nc.request(`${subject}.echo`, `ping-${i}`, { timeout: 2_000 })));
    expect(replies.map((reply) => reply.string())).toEqual(Array.from({ length: 20 }, (_, i) => `ping-${i}`));
    expect(built).toEqual([]);
  });

  it('still times out and still reports no responders, on the library path', async () => {
    await expect(nc.request(`${subject}.silent`, 'x', { timeout: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const noResponders = await nc.request(`${subject}.nobody`, 'x', { timeout: 2_000 }).catch((error: unknown) => error);
    expect(noResponders).toBeInstanceOf(LibraryRequestError);
    expect((noResponders as { isNoResponders(): boolean }).isNoResponders()).toBe(true);
    // the mux forgot both: a late answer to either finds nothing to resolve
    expect((nc as unknown as { protocol: { muxSubscriptions: { size(): number } } }).protocol.muxSubscriptions.size()).toBe(0);
  });
});
