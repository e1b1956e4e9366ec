import { createHash, randomBytes } from 'node:crypto';

export const ACCESS_TOKEN_PREFIX = 'sy_at_';
export const REFRESH_TOKEN_PREFIX = 'sy_rt_';
const ACCESS_PATTERN = /^sy_at_[A-Za-z0-9_-]{43}$/;
const REFRESH_PATTERN = /^sy_rt_[A-Za-z0-9_-]{43}$/;

export interface SessionTokens {
  /** Shown once to the client; never stored. */
  accessToken: string;
  refreshToken: string;
  accessHash: string;
  refreshHash: string;
}

/** Opaque random tokens (32 bytes each); only their SHA-256 is stored or compared. */
export function generateSessionTokens(random: (size: number) => Buffer = randomBytes): SessionTokens {
  const accessToken = `${ACCESS_TOKEN_PREFIX}${random(32).toString('base64url')}`;
  const refreshToken = `${REFRESH_TOKEN_PREFIX}${random(32).toString('base64url')}`;
  return { accessToken, refreshToken, accessHash: hashToken(accessToken), refreshHash: hashToken(refreshToken) };
}

export function hashToken(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

export function looksLikeAccessToken(value: string): boolean {
  return ACCESS_PATTERN.test(value);
}

export function looksLikeRefreshToken(value: string): boolean {
  return REFRESH_PATTERN.test(value);
}
