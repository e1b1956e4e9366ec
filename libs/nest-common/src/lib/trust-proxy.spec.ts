import Fastify from 'fastify';
import { trustProxyOption } from './trust-proxy';

/** The client address Fastify derives for a request from 127.0.0.1 carrying this X-Forwarded-For. */
async function clientAddress(trustProxy: boolean | number | string[], forwardedFor: string): Promise<string> {
  const app = Fastify({ trustProxy: trustProxyOption(trustProxy) });
  app.get('/', async (request) => ({ ip: request.ip }));
  const response = await app.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-for': forwardedFor }, remoteAddress: '127.0.0.1' });
  await app.close();
  return (response.json() as { ip: string }).ip;
}

describe('trustProxyOption (TRUST_PROXY)', () => {
  it('a hop count trusts exactly that many proxies', async () => {
    expect(await clientAddress(1, '203.0.113.7, 198.51.100.2')).toBe('198.51.100.2');
    expect(await clientAddress(2, '203.0.113.7, 198.51.100.2')).toBe('203.0.113.7');
  });

  it('false trusts no one; a list trusts only its addresses', async () => {
    expect(await clientAddress(false, '203.0.113.7')).toBe('127.0.0.1');
    expect(await clientAddress(['loopback'], '203.0.113.7')).toBe('203.0.113.7');
    expect(await clientAddress(['10.0.0.0/8'], '203.0.113.7')).toBe('127.0.0.1');
  });
});
