import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RedisModule } from '@switchyard/database';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { PriceTable } from '@switchyard/pricing';
import { ApiKeyAuthService } from './auth/api-key-auth.service';
import { ApiKeyCache } from './auth/api-key.cache';
import { ApiKeyEntity } from './auth/api-key.entity';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { GATEWAY_ENV, type GatewayEnv } from './config/gateway.env';
import { gatewayDatabaseModule } from './database/gateway-database';
import { AdminTokenGuard } from './management/admin-token.guard';
import { AdminController } from './management/admin.controller';
import { CreditsController } from './management/credits.controller';
import { ManagementService } from './management/management.service';
import { WorkspaceEntity } from './management/workspace.entity';
import { WorkspacesRepository } from './management/workspaces.repository';
import { CompletionPipeline } from './completion/completion-pipeline.service';
import { RouteCandidatesService } from './completion/route-candidates.service';
import { CompletionPublisher } from './metering/completion.publisher';
import { LedgerClient } from './metering/ledger.client';
import { ProviderRegistry } from './providers/provider-registry';
import { ChatCompletionsController } from './routes/chat-completions/chat-completions.controller';
import { ModelsController } from './routes/models/models.controller';
import { UpstreamHttpClient } from './upstream/upstream-http.client';

@Module({})
export class AppModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('gateway', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('gateway')),
        NatsModule.forRoot(natsConnectionOptions('gateway', env)),
        RedisModule.forRoot({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX }),
        gatewayDatabaseModule(env),
        TypeOrmModule.forFeature([WorkspaceEntity, ApiKeyEntity]),
      ],
      controllers: [ChatCompletionsController, ModelsController, AdminController, CreditsController],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        { provide: PriceTable, useFactory: () => PriceTable.loadFromDirectory(env.PRICE_DATA_DIR) },
        UpstreamHttpClient,
        { provide: ProviderRegistry, useFactory: (http: UpstreamHttpClient) => new ProviderRegistry(env, http), inject: [UpstreamHttpClient] },
        ApiKeysRepository,
        ApiKeyCache,
        ApiKeyAuthService,
        ApiKeyGuard,
        AdminTokenGuard,
        WorkspacesRepository,
        ManagementService,
        LedgerClient,
        CompletionPublisher,
        RouteCandidatesService,
        CompletionPipeline,
        NatsReadiness,
      ],
    };
  }
}
