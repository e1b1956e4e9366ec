import { randomBytes } from 'node:crypto';
import { ProviderKeyCipher } from './provider-key.cipher';

describe('ProviderKeyCipher', () => {
  const cipher = new ProviderKeyCipher(randomBytes(32).toString('base64'));

  it('round-trips, with a fresh IV each time, and never stores the key in clear', () => {
    const a = cipher.encrypt('sk-own-key-123', 'ws1:openai');
    const b = cipher.encrypt('sk-own-key-123', 'ws1:openai');
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-own');
    expect(cipher.decrypt(a, 'ws1:openai')).toBe('sk-own-key-123');
  });

  it('refuses a ciphertext moved to another workspace or provider, or tampered with', () => {
    const sealed = cipher.encrypt('sk-own-key-123', 'ws1:openai');
    expect(() => cipher.decrypt(sealed, 'ws2:openai')).toThrow();
    const bytes = Buffer.from(sealed, 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => cipher.decrypt(bytes.toString('base64'), 'ws1:openai')).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => new ProviderKeyCipher(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
