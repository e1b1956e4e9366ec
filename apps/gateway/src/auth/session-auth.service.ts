import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { hashToken, looksLikeAccessToken } from '../accounts/session-token.codec';
import { SessionsRepository } from '../accounts/sessions.repository';
import { WorkspaceMembersRepository } from '../accounts/workspace-members.repository';
import { FailedAuthLimiter } from './failed-auth.limiter';
import type { Principal } from './principal';

/** Session access tokens → the wallet, its current workspace and its role there (checked on every request). */
@Injectable()
export class SessionAuthService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly members: WorkspaceMembersRepository,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async authenticate(accessToken: string, clientAddress: string | undefined): Promise<Principal & { kind: 'session' }> {
    const session = looksLikeAccessToken(accessToken) ? await this.sessions.findByAccessHash(hashToken(accessToken)) : null;
    const live = session && session.revokedAt === null && session.accessExpiresAt.getTime() > Date.now();
    const member = live ? await this.members.find(session.workspaceId, session.address) : null;
    if (!session || !member) throw await this.failures.failure(clientAddress, new AppError('unauthenticated', 'Invalid or expired session; sign in again or refresh it.'));
    return { kind: 'session', workspaceId: session.workspaceId, apiKeyId: null, sessionId: session.id, address: session.address, role: member.role };
  }
}
