import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS_CLIENT } from '@switchyard/database';
import { AppError } from '@switchyard/errors';
import type Redis from 'ioredis';

const WINDOW_SECONDS = 60;
/** Failed credential checks one client address may make per window before every further failure is a 429. */
const FAILURES_PER_WINDOW_MAX = 60;
const REDIS_TIMEOUT_MS = 200;

/**
 * Counts failed authentications per client address in Redis (shared by replicas). Only failures cost a Redis
 * round trip; once over the limit, failures answer 429 with Retry-After instead of 401, so guessing is throttled
 * while the same address's valid credentials keep working.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly logger = new Logger(FailedAuthLimiter.name);

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /** Records one failure and returns the error to throw: `error` itself, or a 429 when over the limit. */
  async failure(clientAddress: string | undefined, error: AppError): Promise<AppError> {
    const key = `gateway:authfail:${clientAddress ?? 'unknown'}`;
    try {
      const count = await withTimeout(this.redis.incr(key), REDIS_TIMEOUT_MS);
      if (count === 1) await withTimeout(this.redis.expire(key, WINDOW_SECONDS), REDIS_TIMEOUT_MS);
      if (count > FAILURES_PER_WINDOW_MAX) {
        const ttlSeconds = await withTimeout(this.redis.ttl(key), REDIS_TIMEOUT_MS).catch(() => WINDOW_SECONDS);
        return new AppError('rate_limited', 'Too many failed authentication attempts; wait before trying again.', { retryAfterMs: Math.max(1, ttlSeconds) * 1_000 });
      }
    } catch (cause) {
      this.logger.warn({ err: cause }, 'failed-auth counter unavailable');
    }
    return error;
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}
