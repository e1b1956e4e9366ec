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
