import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisScriptRunner, redisScript } from '@switchyard/database';
import { AppError } from '@switchyard/errors';
import type Redis from 'ioredis';

const PREFIX = 'agentpay:';
/** Deletes KEYS[1] only while it still holds ARGV[1] (compare-and-delete). */
const DELETE_IF_OURS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export type ChallengeClaim = 'claimed' | 'in_use' | 'settled';
export type ProofClaim = 'claimed' | 'ours' | 'taken';

/**
 * Single use, atomically (Redis SET NX): a challenge id is `inflight` while one credential for it is being settled
 * and `settled` once its payment is booked; a transaction hash belongs to the first challenge that presented it.
 * Durable "once" for money is the ledger's journal key; this store makes the protocol single-use and bounds
 * concurrent reuse to one settlement.
 */
@Injectable()
export class PaymentReplayStore {
  private readonly deleteIfOurs: RedisScriptRunner;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.deleteIfOurs = redisScript(redis, 'agentPaymentDeleteIfOurs', DELETE_IF_OURS);
  }

  async claimChallenge(challengeId: string, ttlMs: number): Promise<ChallengeClaim> {
    const key = `${PREFIX}ch:${challengeId}`;
    const set = await this.guard(() => this.redis.set(key, 'inflight', 'PX', Math.max(1, ttlMs), 'NX'));
    if (set === 'OK') return 'claimed';
    return (await this.guard(() => this.redis.get(key))) === 'settled' ? 'settled' : 'in_use';
  }

  async markSettled(challengeId: string, ttlMs: number): Promise<void> {
    await this.guard(() => this.redis.set(`${PREFIX}ch:${challengeId}`, 'settled', 'PX', Math.max(1, ttlMs)));
  }

  /** Lets the same challenge be tried again (nothing was booked). */
  async releaseChallenge(challengeId: string): Promise<void> {
    await this.guard(() => this.redis.del(`${PREFIX}ch:${challengeId}`));
  }

  /** `(chainId, txHash)` → the challenge that first presented it; `ours` when that is this challenge (a retry). */
  async claimProof(chainId: number, txHash: string, challengeId: string, ttlMs: number): Promise<ProofClaim> {
    const key = `${PREFIX}tx:${chainId}:${txHash.toLowerCase()}`;
    if ((await this.guard(() => this.redis.set(key, challengeId, 'PX', Math.max(1, ttlMs), 'NX'))) === 'OK') return 'claimed';
    return (await this.guard(() => this.redis.get(key))) === challengeId ? 'ours' : 'taken';
  }

  async releaseProof(chainId: number, txHash: string, challengeId: string): Promise<void> {
    const key = `${PREFIX}tx:${chainId}:${txHash.toLowerCase()}`;
    await this.guard(() => this.deleteIfOurs([key], [challengeId]));
  }

  /** Reserves a challenge amount so no two open challenges ask for the same one; false when taken. */
  async reserveAmount(chainId: number, amountBaseUnits: bigint, ttlMs: number): Promise<boolean> {
    return (await this.guard(() => this.redis.set(`${PREFIX}amt:${chainId}:${amountBaseUnits}`, '1', 'PX', Math.max(1, ttlMs), 'NX'))) === 'OK';
  }

  /** A payer address was active (paid or spent): remembered for the `automatic` refund sweep, idle after `idleMs`. */
  async touchPayer(chainId: number, address: string, idleMs: number): Promise<void> {
    const member = address.toLowerCase();
    await this.guard(() => this.redis.sadd(`${PREFIX}payers:${chainId}`, member));
    if (idleMs > 0) await this.guard(() => this.redis.set(`${PREFIX}seen:${chainId}:${member}`, '1', 'PX', idleMs));
  }

  /** Payer addresses not active for their idle period (checksummed by the caller). */
  async idlePayers(chainId: number): Promise<string[]> {
    const members = await this.guard(() => this.redis.smembers(`${PREFIX}payers:${chainId}`));
    const idle: string[] = [];
    for (const member of members) if ((await this.guard(() => this.redis.exists(`${PREFIX}seen:${chainId}:${member}`))) === 0) idle.push(member);
    return idle;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new AppError('service_unavailable', 'Payment state is unavailable; retry shortly.', { cause: error });
    }
  }
}
