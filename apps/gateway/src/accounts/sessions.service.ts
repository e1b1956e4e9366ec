import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { FailedAuthLimiter } from '../auth/failed-auth.limiter';
import type { SessionClient, SessionEntity } from './session.entity';
import { generateSessionTokens, hashToken, looksLikeRefreshToken } from './session-token.codec';
import { SessionsRepository } from './sessions.repository';

export const ACCESS_TOKEN_TTL_MS = 60 * 60_000;
const REFRESH_TOKEN_TTL_MS: Record<SessionClient, number> = { browser: 7 * 24 * 3_600_000, cli: 30 * 24 * 3_600_000 };

export interface IssuedSession {
  session: SessionEntity;
  accessToken: string;
  refreshToken: string;
}

/** Sessions: issue (after SIWE or device approval), refresh with rotation, end. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async issue(address: string, workspaceId: string, client: SessionClient): Promise<IssuedSession> {
    const tokens = generateSessionTokens();
    const now = Date.now();
    const session = await this.sessions.insert({
      id: randomUUID(),
      address,
      workspaceId,
      client,
      accessHash: tokens.accessHash,
      refreshHash: tokens.refreshHash,
      accessExpiresAt: new Date(now + ACCESS_TOKEN_TTL_MS),
      refreshExpiresAt: new Date(now + REFRESH_TOKEN_TTL_MS[client]),
    });
    return { session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  }

  /** A refresh token works once: it is replaced with the access token. A reused one ends the session (token theft). */
  async refresh(refreshToken: string, clientAddress: string | undefined): Promise<IssuedSession> {
    const presentedHash = looksLikeRefreshToken(refreshToken) ? hashToken(refreshToken) : null;
    const session = presentedHash ? await this.sessions.findByRefreshHash(presentedHash) : null;
    if (!presentedHash || !session || session.revokedAt !== null || session.refreshExpiresAt.getTime() <= Date.now()) {
      throw await this.failures.failure(clientAddress, new AppError('unauthenticated', 'Invalid or expired refresh token; sign in again.'));
    }
    const tokens = generateSessionTokens();
    const now = Date.now();
    const next = { accessHash: tokens.accessHash, refreshHash: tokens.refreshHash, accessExpiresAt: new Date(now + ACCESS_TOKEN_TTL_MS), refreshExpiresAt: session.refreshExpiresAt };
    if (!(await this.sessions.rotate(session.id, presentedHash, next))) {
      await this.sessions.revoke(session.id, new Date());
      throw new AppError('unauthenticated', 'Refresh token already used; the session was ended. Sign in again.');
    }
    return { session: { ...session, ...next }, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, new Date());
  }
}
