import { createHash } from 'node:crypto';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.codec';

describe('api key codec', () => {
  it('generates sk-sy- keys with 43 base64url characters of 32 random bytes', () => {
    const key = generateApiKey();
    expect(key.raw).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.raw.slice('sk-sy-'.length), 'base64url')).toHaveLength(32);
    expect(looksLikeApiKey(key.raw)).toBe(true);
  });

  it('stores only a short prefix and the SHA-256 hex of the raw key', () => {
    const key = generateApiKey(() => Buffer.alloc(32, 7));
    expect(key.hash).toBe(createHash('sha256').update(key.raw).digest('hex'));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.prefix).toBe(key.raw.slice(0, 12));
    expect(key.raw.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(key.raw.length - 30);
  });

  it('hashes deterministically and differently per key', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.raw).not.toBe(b.raw);
    expect(hashApiKey(a.raw)).toBe(a.hash);
    expect(hashApiKey(b.raw)).not.toBe(a.hash);
    expect(apiKeyDisplayPrefix(a.raw)).toBe(a.prefix);
  });

  it('rejects strings that are not shaped like our keys', () => {
    expect(looksLikeApiKey('sk-proj-abc')).toBe(false);
    expect(looksLikeApiKey('sk-sy-short')).toBe(false);
    expect(looksLikeApiKey(`sk-sy-${'a'.repeat(42)} `)).toBe(false);
  });
});
