import { createHash, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { redisScript } from './redis-script';

const INCR_AND_NAME = `return {redis.call('INCRBY', KEYS[1], ARGV[1]), KEYS[1]}`;

describe('redisScript (real Redis)', () => {
  const prefix = `redis-script-test:${randomUUID()}:`;
  let redis: Redis;
  let monitor: Redis;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix, enableAutoPipelining: true });
    monitor = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });

  afterAll(async () => {
    const keys = await monitor.keys(`${prefix}*`);
    if (keys.length > 0) await monitor.del(...keys);
    await Promise.all([redis.quit(), monitor.quit()]);
  });

  it('runs with the client key prefix, concurrently, and again after Redis forgot the script (NOSCRIPT)', async () => {
    const run = redisScript(redis, 'testIncrAndName', INCR_AND_NAME);
    expect(await run(['a'], ['5'])).toEqual([5, `${prefix}a`]);
    expect(await Promise.all([run(['a'], ['1']), run(['b'], ['2'])])).toEqual([[6, `${prefix}a`], [2, `${prefix}b`]]);
    await monitor.script('FLUSH');
    expect(await run(['a'], ['1'])).toEqual([7, `${prefix}a`]);
  });

  it('leaves the script cached in Redis, so later calls can go by its SHA1', async () => {
    const lua = `${INCR_AND_NAME} -- cached`;
    const run = redisScript(redis, 'testIncrAndNameCached', lua);
    await run(['c'], ['1']);
    expect(await monitor.script('EXISTS', createHash('sha1').update(lua).digest('hex'))).toEqual([1]);
  });
});
