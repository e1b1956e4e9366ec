import { createServer, type Server } from 'node:net';
import { freePort, PortTakenError, startServiceProcess } from './service-process';

// A port taken before the service listens: the service exits with PORT_TAKEN_EXIT_CODE, which the launcher tells
// apart from any other failure (it retries on another port unless the caller fixed this one).
describe('startServiceProcess on a taken port', () => {
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // the holder hangs up at once, so the launcher's readiness probe fails fast, as with no listener at all
    holder = createServer((socket) => socket.destroy());
    await new Promise<void>((listening) => holder.listen(port, '127.0.0.1', listening));
  });

  afterAll(async () => {
    await new Promise((closed) => holder.close(closed));
  });

  it('fails with PortTakenError when the caller fixed the port', async () => {
    const failure = await startServiceProcess('router', {}, { port }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PortTakenError);
    expect((failure as Error).message).toContain('router exited with 98 before it was ready');
  });
});
