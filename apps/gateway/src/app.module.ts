import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RedisModule } from '@switchyard/database';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { PriceTable } from '@switchyard/pricing';
import { AgentPaymentsModule } from './agent-payments/agent-payments.module';
import { AccountsService } from './accounts/accounts.service';
import { AuthController } from './accounts/auth.controller';
import { AuthStateStore } from './accounts/auth-state.store';
import { DeviceFlowService } from './accounts/device-flow.service';
import { MeController } from './accounts/me.controller';
import { OpenApiController } from './accounts/openapi.controller';
import { SessionsService } from './accounts/sessions.service';
import { SiweService } from './accounts/siwe.service';
import { ApiKeyEntity } from './auth/api-key.entity';
import { AuthModule } from './auth/auth.module';
import { KeysController } from './keys/keys.controller';
import { KeysService } from './keys/keys.service';
import { GATEWAY_ENV, type GatewayEnv } from './config/gateway.env';
import { gatewayDatabaseModule } from './database/gateway-database';
import { AdminTokenGuard } from './management/admin-token.guard';
import { AdminController } from './management/admin.controller';
import { CreditsController } from './management/credits.controller';
import { LedgerAdminController } from './management/ledger-admin.controller';
import { ManagementService } from './management/management.service';
import { WorkspaceEntity } from './management/workspace.entity';
import { WorkspacesRepository } from './management/workspaces.repository';
import { CompletionPipeline } from './completion/completion-pipeline.service';
import { RouteCandidatesService } from './completion/route-candidates.service';
import { CompletionPublisher } from './metering/completion.publisher';
import { AttemptHealthReporter } from './completion/attempt-health.reporter';
import { GatewayMetricsModule } from './metering/gateway.metrics';
import { HoldPool } from './metering/hold-pool';
import { BootWarmup } from './warmup/boot-warmup';
import { LedgerClient } from './metering/ledger.client';
import { WebSearchClient } from './plugins/web-search/web-search.client';
import { ProviderKeyEntity } from './byok/provider-key.entity';
import { ProviderKeysAdminController, ProviderKeysController } from './byok/provider-keys.controller';
import { ProviderKeysRepository } from './byok/provider-keys.repository';
import { ProviderKeysService } from './byok/provider-keys.service';
import { AdmissionLeases } from './guardrails/admission-leases';
import { GuardrailCounters } from './guardrails/guardrail-counters';
import { GuardrailPoliciesRepository } from './guardrails/guardrail-policies.repository';
import { GuardrailPolicyEntity } from './guardrails/guardrail-policy.entity';
import { GuardrailsAdminController, GuardrailsController } from './guardrails/guardrails-admin.controller';
import { GuardrailsService } from './guardrails/guardrails.service';
import { KeyInfoController } from './guardrails/key-info.controller';
import { ProviderRegistry } from './providers/provider-registry';
import { PassthroughController } from './routes/native-passthrough/passthrough.controller';
import { PassthroughService } from './routes/native-passthrough/passthrough.service';
import { AnthropicMessagesController } from './routes/anthropic-messages/anthropic-messages.controller';
import { ChatCompletionsController } from './routes/chat-completions/chat-completions.controller';
import { GeminiGenerateContentController } from './routes/gemini-generate-content/gemini-generate-content.controller';
import { EmbeddingsController } from './routes/embeddings/embeddings.controller';
import { EmbeddingsService } from './routes/embeddings/embeddings.service';
import { ModelsController } from './routes/models/models.controller';
import { ModelEndpointsController } from './routes/models/model-endpoints.controller';
import { UsageRoutesModule } from './routes/usage/usage-routes.module';
import { DepositsRoutesModule } from './routes/deposits/deposits-routes.module';
import { UpstreamHttpClient } from './upstream/upstream-http.client';
import { SsrfGuard } from './upstream/ssrf-guard';
import { StreamSlotsStore } from './streaming/stream-slots.store';
import { HttpSecurityModule } from './security/http-security.module';
import { LlmsTextController } from './llms/llms-text.controller';
import { McpController } from './mcp/mcp.controller';
import { mcpProviders } from './mcp/mcp.providers';
import { DashboardStaticModule } from './dashboard/dashboard-static.module';
import { WorkspaceSettingsModule } from './workspace-settings/workspace-settings.module';
import { ConversationsModule } from './conversations/conversations.module';

@Module({})
export class AppModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('gateway', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('gateway')),
        GatewayMetricsModule.forRoot({ holdMaxAgeMs: env.HOLD_TIMEOUT_MS }),
        NatsModule.forRoot(natsConnectionOptions('gateway', env)),
        RedisModule.forRoot({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX }),
        gatewayDatabaseModule(env),
        HttpSecurityModule,
        AuthModule,
        UsageRoutesModule.forRoot(env),
        DepositsRoutesModule,
        AgentPaymentsModule.forRoot(env),
        WorkspaceSettingsModule.forRoot(env),
        ConversationsModule.forRoot(env),
        DashboardStaticModule.forRoot({ enabled: env.DASHBOARD_ENABLED, distDir: env.DASHBOARD_DIST_DIR }),
        TypeOrmModule.forFeature([WorkspaceEntity, ApiKeyEntity, GuardrailPolicyEntity, ProviderKeyEntity]),
      ],
      controllers: [ChatCompletionsController, AnthropicMessagesController, ModelsController, ModelEndpointsController, AdminController, CreditsController, EmbeddingsController, LedgerAdminController, GeminiGenerateContentController, GuardrailsAdminController, GuardrailsController, KeyInfoController, ProviderKeysAdminController, ProviderKeysController, PassthroughController, AuthController, MeController, KeysController, OpenApiController, McpController, LlmsTextController],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        { provide: PriceTable, useFactory: () => PriceTable.loadFromDirectory(env.PRICE_DATA_DIR) },
        UpstreamHttpClient,
        { provide: SsrfGuard, useValue: new SsrfGuard({ allowPrivate: env.GATEWAY_FETCH_ALLOW_PRIVATE, allowedHosts: env.GATEWAY_FETCH_ALLOWED_HOSTS }) },
        StreamSlotsStore,
        { provide: ProviderRegistry, useFactory: (http: UpstreamHttpClient) => new ProviderRegistry(env, http), inject: [UpstreamHttpClient] },
        AuthStateStore,
        SessionsService,
        SiweService,
        AccountsService,
        DeviceFlowService,
        KeysService,
        AdminTokenGuard,
        WorkspacesRepository,
        ManagementService,
        LedgerClient,
        HoldPool,
        CompletionPublisher,
        AttemptHealthReporter,
        RouteCandidatesService,
        CompletionPipeline,
        EmbeddingsService,
        WebSearchClient,
        GuardrailPoliciesRepository,
        GuardrailCounters,
        AdmissionLeases,
        GuardrailsService,
        ProviderKeysRepository,
        ProviderKeysService,
        PassthroughService,
        NatsReadiness,
        BootWarmup,
        ...mcpProviders(env),
      ],
    };
  }
}
