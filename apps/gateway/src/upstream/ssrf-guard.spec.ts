import type { LookupAddress } from 'node:dns';
import { AppError } from '@switchyard/errors';
import { blockedAddressReason, isAllowedHostEntry, type Resolve, SsrfGuard } from './ssrf-guard';

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00::1', 'unique-local'],
    ['fc12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['not an address', 'invalid'],
  ])('%s is %s', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '64:ff9b::808:808', '2002:808:808::1'])('%s is public', (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });
});

describe('isAllowedHostEntry', () => {
  it.each(['images.internal', 'localhost', '10.0.0.0/8', '::1', 'fd00::/8', '127.0.0.1'])('accepts %s', (entry) => expect(isAllowedHostEntry(entry)).toBe(true));
  it.each(['', 'http://x', '10.0.0.0/33', 'a b', '10.0.0.0/8/1', 'host/8'])('refuses %s', (entry) => expect(isAllowedHostEntry(entry)).toBe(false));
});

describe('SsrfGuard', () => {
  const dns: Record<string, LookupAddress[]> = {
    'cdn.example': [{ address: '93.184.216.34', family: 4 }],
    'rebind.example': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
    'metadata.example': [{ address: '169.254.169.254', family: 4 }],
    'images.internal': [{ address: '10.0.0.7', family: 4 }],
  };
  const resolve: Resolve = async (host) => {
    const answer = dns[host];
    if (!answer) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  const closed = new SsrfGuard({ allowPrivate: false, allowedHosts: [] }, resolve);

  const refusal = async (guard: SsrfGuard, url: string) => {
    try {
      await guard.checkUrl(url, 'messages[0].content');
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_request');
      expect((error as AppError).param).toBe('messages[0].content');
      return (error as AppError).message;
    }
  };

  it('lets public hosts through', async () => {
    expect(await refusal(closed, 'https://cdn.example/cat.png')).toBeNull();
    expect(await refusal(closed, 'http://8.8.8.8/x')).toBeNull();
  });

  it.each([
    'http://127.0.0.1:8080/',
    'http://localhost.:1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.example/',
    'http://rebind.example/',
    'http://images.internal/a.png',
    'http://unresolvable.example/',
    'file:///etc/passwd',
    'gopher://cdn.example/',
    'not a url',
  ])('refuses %s', async (url) => {
    const guard = new SsrfGuard({ allowPrivate: false, allowedHosts: [] }, async (host) => (host === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : resolve(host)));
    expect(await refusal(guard, url)).toEqual(expect.any(String));
  });

  it('the operator may allow private addresses, named hosts or CIDRs', async () => {
    expect(await refusal(new SsrfGuard({ allowPrivate: true, allowedHosts: [] }, resolve), 'http://127.0.0.1/')).toBeNull();
    const listed = new SsrfGuard({ allowPrivate: false, allowedHosts: ['images.internal', '169.254.0.0/16'] }, resolve);
    expect(await refusal(listed, 'http://images.internal/a.png')).toBeNull();
    expect(await refusal(listed, 'http://metadata.example/')).toBeNull();
    expect(await refusal(listed, 'http://127.0.0.1/')).toEqual(expect.any(String));
    // Still only http(s).
    expect(await refusal(new SsrfGuard({ allowPrivate: true, allowedHosts: [] }, resolve), 'file:///etc/passwd')).toEqual(expect.any(String));
  });

  it('its lookup hands a connection only the addresses it checked (no second resolution to rebind)', async () => {
    let answers = 0;
    const flipping: Resolve = async () => (answers++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const guard = new SsrfGuard({ allowPrivate: false, allowedHosts: [] }, flipping);
    const connect = () =>
      new Promise<{ error: Error | null; address: unknown }>((done) => guard.lookup('flip.example', { all: false }, (error, address) => done({ error, address })));
    expect(await connect()).toEqual({ error: null, address: '93.184.216.34' });
    const second = await connect();
    expect(second.error).toBeInstanceOf(AppError);
    expect(second.address).toBe('');
  });
});
