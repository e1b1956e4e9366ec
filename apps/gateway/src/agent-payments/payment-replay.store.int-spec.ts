import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { PaymentReplayStore } from './payment-replay.store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHAIN_ID = 80002;
const TTL_MS = 60_000;

describe('PaymentReplayStore: a transaction hash belongs to one challenge (real Redis)', () => {
  let redis: Redis;
  let store: PaymentReplayStore;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { keyPrefix: `payment-replay-test:${randomUUID()}:` });
    store = new PaymentReplayStore(redis);
  });

  afterAll(async () => {
    await redis.quit();
  });

  /** Upper-case hex: the store keys hashes case-insensitively. */
  const txHash = () => `0x${randomBytes(32).toString('hex').toUpperCase()}`;

  it('a released proof can be presented again, by any challenge', async () => {
    const hash = txHash();
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-a', TTL_MS)).toBe('claimed');
    expect(await store.claimProof(CHAIN_ID, hash.toLowerCase(), 'challenge-a', TTL_MS)).toBe('ours');
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-b', TTL_MS)).toBe('taken');
    await store.releaseProof(CHAIN_ID, hash, 'challenge-a');
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-b', TTL_MS)).toBe('claimed');
  });

  it("a challenge cannot release another challenge's proof", async () => {
    const hash = txHash();
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-a', TTL_MS)).toBe('claimed');
    await store.releaseProof(CHAIN_ID, hash, 'challenge-b');
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-b', TTL_MS)).toBe('taken');
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-a', TTL_MS)).toBe('ours');
  });

  it('the compare-and-delete still runs after Redis forgot its scripts', async () => {
    const hash = txHash();
    await store.claimProof(CHAIN_ID, hash, 'challenge-a', TTL_MS);
    await redis.script('FLUSH');
    await store.releaseProof(CHAIN_ID, hash, 'challenge-a');
    expect(await store.claimProof(CHAIN_ID, hash, 'challenge-c', TTL_MS)).toBe('claimed');
  });
});
