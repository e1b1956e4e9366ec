import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionEntity } from '../accounts/session.entity';
import { SessionsRepository } from '../accounts/sessions.repository';
import { WorkspaceMemberEntity } from '../accounts/workspace-member.entity';
import { WorkspaceMembersRepository } from '../accounts/workspace-members.repository';
import { ApiKeyAuthService } from './api-key-auth.service';
import { ApiKeyCache } from './api-key.cache';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyInvalidations } from './api-key-invalidations';
import { ApiKeysRepository } from './api-keys.repository';
import { FailedAuthLimiter } from './failed-auth.limiter';
import { SessionAuthService } from './session-auth.service';
import { WorkspaceAuthGuard } from './workspace-auth.guard';

const PROVIDERS = [
  ApiKeysRepository,
  ApiKeyCache,
  ApiKeyAuthService,
  ApiKeyGuard,
  ApiKeyInvalidations,
  FailedAuthLimiter,
  SessionsRepository,
  WorkspaceMembersRepository,
  SessionAuthService,
  WorkspaceAuthGuard,
];

/** Authentication for every module of the gateway: API keys (with revocation fan-out), sessions, failed-auth limits. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity, SessionEntity, WorkspaceMemberEntity])],
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class AuthModule {}
