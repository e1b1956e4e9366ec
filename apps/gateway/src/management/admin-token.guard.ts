import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@switchyard/errors';
import type { FastifyRequest } from 'fastify';
import { FailedAuthLimiter } from '../auth/failed-auth.limiter';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';

/**
 * Operator endpoints: `Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`, compared in constant time (over digests, so
 * the length does not leak either); wrong tokens count toward the caller's failed-auth limit like wrong keys.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    @Inject(GATEWAY_ENV) env: GatewayEnv,
    private readonly failures: FailedAuthLimiter,
  ) {
    this.expected = createHash('sha256').update(env.GATEWAY_ADMIN_TOKEN).digest();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AppError('unauthenticated', 'Missing admin token.');
    const given = createHash('sha256').update(match[1]).digest();
    if (!timingSafeEqual(given, this.expected)) throw await this.failures.failure(request.ip, new AppError('unauthenticated', 'Invalid admin token.'));
    return true;
  }
}
