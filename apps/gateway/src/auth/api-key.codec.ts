import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-sy-';
const API_KEY_PATTERN = /^sk-sy-[A-Za-z0-9_-]{43,200}$/;
const DISPLAY_PREFIX_CHARS = API_KEY_PREFIX.length + 6;

export interface GeneratedApiKey {
  /** Shown once to the caller; never stored. */
  raw: string;
  prefix: string;
  hash: string;
}

/** `sk-sy-` + base64url of 32 random bytes (43 characters). */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedApiKey {
  const raw = `${API_KEY_PREFIX}${random(32).toString('base64url')}`;
  return { raw, prefix: apiKeyDisplayPrefix(raw), hash: hashApiKey(raw) };
}

/** SHA-256 hex of the raw key: the only form that is stored or compared. */
export function hashApiKey(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

export function apiKeyDisplayPrefix(raw: string): string {
  return raw.slice(0, DISPLAY_PREFIX_CHARS);
}

/** Cheap shape check before any lookup: anything else cannot be one of our keys. */
export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}
