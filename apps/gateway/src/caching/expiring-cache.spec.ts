import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  afterEach(() => jest.useRealTimers());

  it('serves a loaded value until it expires, then loads again', async () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ExpiringCache<number>({ ttlMs: 1_000, entriesMax: 10 });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad('a', load)).toBe(1);
    jest.setSystemTime(999);
    expect(await cache.getOrLoad('a', load)).toBe(1);
    jest.setSystemTime(1_000);
    expect(await cache.getOrLoad('a', load)).toBe(2);
  });

  it('drops the oldest entry past its bound, and forgets a deleted key', async () => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, entriesMax: 2 });
    const loaded: string[] = [];
    const load = (key: string) => async () => (loaded.push(key), key);
    for (const key of ['a', 'b', 'c']) await cache.getOrLoad(key, load(key));
    await cache.getOrLoad('b', load('b'));
    await cache.getOrLoad('a', load('a'));
    expect(loaded).toEqual(['a', 'b', 'c', 'a']);
    cache.delete('c');
    await cache.getOrLoad('c', load('c'));
    expect(loaded).toEqual(['a', 'b', 'c', 'a', 'c']);
  });
});

describe('ExpiringCache under concurrency', () => {
  afterEach(() => jest.useRealTimers());

  /** A load the test finishes by hand, counting how often the cache started one. */
  function controlledLoads<V>() {
    const pending: Array<{ resolve: (value: V) => void; reject: (error: Error) => void }> = [];
    const load = () => new Promise<V>((resolve, reject) => pending.push({ resolve, reject }));
    return { load, pending };
  }

  it('shares one load among concurrent misses of a key', async () => {
    const cache = new ExpiringCache<string>({ ttlMs: 5_000, entriesMax: 10 });
    const { load, pending } = controlledLoads<string>();
    const answers = Promise.all(Array.from({ length: 64 }, () => cache.getOrLoad('ws', load)));
    expect(pending).toHaveLength(1);
    pending[0]!.resolve('policies');
    expect(await answers).toEqual(Array(64).fill('policies'));
  });

  it('reloads a key in use in the background before it expires, serving the cached value meanwhile', async () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ExpiringCache<string>({ ttlMs: 4_000, entriesMax: 10 });
    const { load, pending } = controlledLoads<string>();
    const first = cache.getOrLoad('ws', load);
    pending[0]!.resolve('v1');
    expect(await first).toBe('v1');

    jest.setSystemTime(2_999);
    expect(await cache.getOrLoad('ws', load)).toBe('v1');
    expect(pending).toHaveLength(1);

    jest.setSystemTime(3_000);
    expect(await cache.getOrLoad('ws', load)).toBe('v1');
    expect(await cache.getOrLoad('ws', load)).toBe('v1');
    expect(pending).toHaveLength(2);
    pending[1]!.resolve('v2');
    await Promise.resolve();
    await Promise.resolve();
    expect(await cache.getOrLoad('ws', load)).toBe('v2');

    // the reloaded entry lives a full ttl from its reload
    jest.setSystemTime(3_000 + 3_999);
    expect(await cache.getOrLoad('ws', load)).toBe('v2');
  });

  it('never serves an entry past its ttl: a failed background reload leaves it to expire, and the next call loads', async () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ExpiringCache<string>({ ttlMs: 4_000, entriesMax: 10 });
    const { load, pending } = controlledLoads<string>();
    const first = cache.getOrLoad('ws', load);
    pending[0]!.resolve('v1');
    await first;
    jest.setSystemTime(3_500);
    expect(await cache.getOrLoad('ws', load)).toBe('v1');
    pending[1]!.reject(new Error('database down'));
    await Promise.resolve();
    await Promise.resolve();
    expect(await cache.getOrLoad('ws', load)).toBe('v1');
    expect(pending).toHaveLength(3); // still fresh, so the next call tried again in the background
    pending[2]!.reject(new Error('database down'));
    await Promise.resolve();
    await Promise.resolve();

    jest.setSystemTime(4_000);
    const afterExpiry = cache.getOrLoad('ws', load);
    expect(pending).toHaveLength(4);
    pending[3]!.reject(new Error('database down'));
    await expect(afterExpiry).rejects.toThrow('database down');
  });

  it('does not keep what a load started before a delete read: the next call loads again', async () => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, entriesMax: 10 });
    const { load, pending } = controlledLoads<string>();
    const before = cache.getOrLoad('ws', load);
    cache.delete('ws'); // a write landed while the read was in flight
    const after = cache.getOrLoad('ws', load);
    expect(pending).toHaveLength(2);
    pending[1]!.resolve('after the write');
    pending[0]!.resolve('before the write');
    expect(await before).toBe('before the write');
    expect(await after).toBe('after the write');
    expect(await cache.getOrLoad('ws', load)).toBe('after the write');
    expect(pending).toHaveLength(2);
  });
});
