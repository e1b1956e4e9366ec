import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyRequest } from 'fastify';
import { looksLikeAccessToken } from '../accounts/session-token.codec';
import { ApiKeyAuthService } from './api-key-auth.service';
import { presentedCredential } from './credentials';
import type { Principal } from './principal';
import { SessionAuthService } from './session-auth.service';

type RequestWithPrincipal = FastifyRequest & { principal?: Principal };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Management and report endpoints: an API key of either kind, or a session (bearer or the dashboard's cookie). The
 * handler decides what each kind of principal may do (see `requireKeyManager`, `requireOwner`).
 */
@Injectable()
export class WorkspaceAuthGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyAuthService,
    private readonly sessions: SessionAuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    request.principal = await this.authenticate(request);
    return true;
  }

  private async authenticate(request: FastifyRequest): Promise<Principal> {
    const credential = presentedCredential(request);
    if (!credential) throw new AppError('unauthenticated', 'Missing credentials: pass an API key or session token as "Authorization: Bearer <token>", or sign in.');
    if (credential.fromCookie && !SAFE_METHODS.has(request.method) && !sameOrigin(request)) {
      throw new AppError('forbidden', 'Cross-origin request refused: cookie sessions only work from this gateway\u2019s own pages.');
    }
    if (looksLikeAccessToken(credential.value)) return this.sessions.authenticate(credential.value, request.ip);
    const key = await this.keys.identify(credential.value, request.ip);
    return { kind: key.kind === 'management' ? 'management_key' : 'api_key', workspaceId: key.workspaceId, apiKeyId: key.apiKeyId, sessionId: null, address: null, role: null };
  }
}

/** The Origin (or, without one, the Referer) names this host. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin ?? request.headers.referer;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used without WorkspaceAuthGuard');
  return principal;
});
