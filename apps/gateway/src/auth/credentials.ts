import type { FastifyRequest } from 'fastify';
import { extractApiKey } from './api-key-auth.service';

/** The dashboard's httpOnly session cookie (the CLI sends the same token as a bearer). */
export const SESSION_COOKIE = 'sy_session';
export const REFRESH_COOKIE = 'sy_refresh';
const COOKIE_HEADER_CHARS_MAX = 8_192;

export interface PresentedCredential {
  value: string;
  /** Cookies ride along on cross-site requests; unsafe methods authenticated by one need a same-origin check. */
  fromCookie: boolean;
}

/** The bearer / API-key header first, then the session cookie. */
export function presentedCredential(request: Pick<FastifyRequest, 'headers' | 'query'>): PresentedCredential | undefined {
  const explicit = extractApiKey(request);
  if (explicit) return { value: explicit, fromCookie: false };
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie ? { value: cookie, fromCookie: true } : undefined;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > COOKIE_HEADER_CHARS_MAX) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim() || undefined;
  }
  return undefined;
}
