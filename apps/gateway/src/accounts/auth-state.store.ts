import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT } from '@switchyard/database';
import type Redis from 'ioredis';
import { z } from 'zod';

export const DeviceAuthorizationSchema = z.object({
  userCode: z.string(),
  status: z.enum(['pending', 'approved', 'denied']),
  intervalSeconds: z.number().int().min(1),
  lastPollMs: z.number().int().min(0),
  address: z.string().nullable(),
  workspaceId: z.string().nullable(),
});
export type DeviceAuthorization = z.output<typeof DeviceAuthorizationSchema>;

/** Short-lived sign-in state in Redis (the only code touching it): SIWE nonces and device-flow authorizations. */
@Injectable()
export class AuthStateStore {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async putNonce(nonce: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`gateway:siwe:nonce:${nonce}`, '1', 'EX', ttlSeconds);
  }

  /** Consumes a nonce: true once, for an issued and unexpired nonce. */
  async takeNonce(nonce: string): Promise<boolean> {
    return (await this.redis.del(`gateway:siwe:nonce:${nonce}`)) === 1;
  }

  /** Stores a new authorization under its device-code hash, and the user code pointing at it; false on a user-code clash. */
  async putDevice(deviceHash: string, authorization: DeviceAuthorization, ttlSeconds: number): Promise<boolean> {
    const claimed = await this.redis.set(userCodeKey(authorization.userCode), deviceHash, 'EX', ttlSeconds, 'NX');
    if (claimed !== 'OK') return false;
    await this.redis.set(deviceKey(deviceHash), JSON.stringify(authorization), 'EX', ttlSeconds);
    return true;
  }

  async getDevice(deviceHash: string): Promise<DeviceAuthorization | null> {
    const raw = await this.redis.get(deviceKey(deviceHash));
    if (!raw) return null;
    const parsed = DeviceAuthorizationSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  deviceHashForUserCode(userCode: string): Promise<string | null> {
    return this.redis.get(userCodeKey(userCode));
  }

  /** Rewrites an authorization that still exists, keeping its expiry. */
  async updateDevice(deviceHash: string, authorization: DeviceAuthorization): Promise<boolean> {
    return (await this.redis.set(deviceKey(deviceHash), JSON.stringify(authorization), 'KEEPTTL', 'XX')) === 'OK';
  }

  /** Deletes it: true for exactly one caller, so an approved device code yields one session. */
  async takeDevice(deviceHash: string, userCode: string): Promise<boolean> {
    const taken = (await this.redis.del(deviceKey(deviceHash))) === 1;
    if (taken) await this.redis.del(userCodeKey(userCode));
    return taken;
  }
}

const deviceKey = (hash: string) => `gateway:device:code:${hash}`;
const userCodeKey = (code: string) => `gateway:device:user:${code}`;
