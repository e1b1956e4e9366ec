import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS_CLIENT } from '@switchyard/database';
import type Redis from 'ioredis';
import type { ApiKeyRecord } from './api-key.record';

const MEMORY_TTL_MS = 1_000;
const MEMORY_ENTRIES_MAX = 10_000;
const REDIS_TTL_SECONDS = 30;
const REDIS_TIMEOUT_MS = 200;

/**
 * Two cache levels in front of Postgres, keyed by key hash: a per-process map (≤ 1 s, so a revoke is seen
 * everywhere within a second of the Redis delete) and Redis (short TTL, shared by replicas).
 */
@Injectable()
export class ApiKeyCache {
  private readonly logger = new Logger(ApiKeyCache.name);
  private readonly memory = new Map<string, { record: ApiKeyRecord | null; expiresAtMs: number }>();

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /** Drops a key from this process's cache only (another replica revoked or changed it). */
  invalidateLocal(keyHash: string): void {
    this.memory.delete(keyHash);
  }

  getLocal(keyHash: string, nowMs: number): { record: ApiKeyRecord | null } | undefined {
    const entry = this.memory.get(keyHash);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.memory.delete(keyHash);
      return undefined;
    }
    return { record: entry.record };
  }

  setLocal(keyHash: string, record: ApiKeyRecord | null, nowMs: number): void {
    if (this.memory.size >= MEMORY_ENTRIES_MAX) {
      const oldest = this.memory.keys().next().value;
      if (oldest !== undefined) this.memory.delete(oldest);
    }
    this.memory.set(keyHash, { record, expiresAtMs: nowMs + MEMORY_TTL_MS });
  }

  /** Redis miss or trouble → undefined (the caller falls through to Postgres). */
  async getShared(keyHash: string): Promise<ApiKeyRecord | undefined> {
    try {
      const raw = await withTimeout(this.redis.get(redisKey(keyHash)), REDIS_TIMEOUT_MS);
      return raw ? (JSON.parse(raw) as ApiKeyRecord) : undefined;
    } catch (error) {
      this.logger.warn({ err: error }, 'api key cache read failed; using Postgres');
      return undefined;
    }
  }

  async setShared(record: ApiKeyRecord): Promise<void> {
    try {
      await withTimeout(this.redis.set(redisKey(record.keyHash), JSON.stringify(record), 'EX', REDIS_TTL_SECONDS), REDIS_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: error }, 'api key cache write failed');
    }
  }

  /** Redis first, then this process: a lookup racing the delete cannot re-fill the local entry from Redis. */
  async invalidate(keyHash: string): Promise<void> {
    await this.redis.del(redisKey(keyHash));
    this.invalidateLocal(keyHash);
  }
}

function redisKey(keyHash: string): string {
  return `gateway:apikey:${keyHash}`;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}
