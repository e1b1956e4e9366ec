import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@switchyard/errors';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';

/** Operator endpoints: `Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`, compared in constant time (over digests). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(GATEWAY_ENV) env: GatewayEnv) {
    this.expected = createHash('sha256').update(env.GATEWAY_ADMIN_TOKEN).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AppError('unauthenticated', 'Missing admin token.');
    const given = createHash('sha256').update(match[1]).digest();
    if (!timingSafeEqual(given, this.expected)) throw new AppError('unauthenticated', 'Invalid admin token.');
    return true;
  }
}
