import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, redisScript, type RedisScriptRunner } from '@switchyard/database';
import type Redis from 'ioredis';

/**
 * Takes a slot when fewer than ARGV[1] are held: KEYS[1] is a sorted set of stream ids scored by when they end at
 * the latest, so slots a crashed replica never released expire by themselves. ARGV: limit, now ms, id, expires ms.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`;

/** Open streams per API key, shared by all gateway replicas (GATEWAY_STREAMS_PER_KEY_MAX). */
@Injectable()
export class StreamSlotsStore {
  private readonly acquireScript: RedisScriptRunner;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.acquireScript = redisScript(redis, 'streamSlotAcquire', ACQUIRE);
  }

  /** True when the slot was taken; it is held until `release` or, at the latest, `holdMs` from now. */
  async acquire(apiKeyId: string, streamId: string, limit: number, holdMs: number): Promise<boolean> {
    const now = Date.now();
    const taken = await this.acquireScript([streamSlotsKey(apiKeyId)], [String(limit), String(now), streamId, String(now + holdMs)]);
    return taken === 1;
  }

  async release(apiKeyId: string, streamId: string): Promise<void> {
    await this.redis.zrem(streamSlotsKey(apiKeyId), streamId);
  }
}

/** The sorted set of a caller's open streams (also taken together with the guardrail admission, in one script). */
export function streamSlotsKey(apiKeyId: string): string {
  return `gateway:streams:${apiKeyId}`;
}
