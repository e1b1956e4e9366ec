import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthService, type AuthenticatedKey } from './api-key-auth.service';

type RequestWithKey = FastifyRequest & { apiKey?: AuthenticatedKey };

/** For routes without a body to validate first: authenticates the API key before the handler. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly auth: ApiKeyAuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithKey>();
    request.apiKey = await this.auth.authenticate(request);
    return true;
  }
}

export const CurrentApiKey = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedKey => {
  const key = context.switchToHttp().getRequest<RequestWithKey>().apiKey;
  if (!key) throw new Error('CurrentApiKey used without ApiKeyGuard');
  return key;
});
