import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyAuthService } from '../../auth/api-key-auth.service';
import { ApiKeyCache } from '../../auth/api-key.cache';
import { ApiKeyEntity } from '../../auth/api-key.entity';
import { ApiKeyGuard } from '../../auth/api-key.guard';
import { ApiKeysRepository } from '../../auth/api-keys.repository';
import { DepositsClient } from './deposits.client';
import { DepositsController } from './deposits.controller';

/** `/api/v1/deposits…`, always scoped to the API key's workspace; answers come from the chain-watcher over NATS. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
  controllers: [DepositsController],
  providers: [ApiKeysRepository, ApiKeyCache, ApiKeyAuthService, ApiKeyGuard, DepositsClient],
})
export class DepositsRoutesModule {}
