import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyAuthService } from '../../auth/api-key-auth.service';
import { ApiKeyCache } from '../../auth/api-key.cache';
import { ApiKeyEntity } from '../../auth/api-key.entity';
import { ApiKeyGuard } from '../../auth/api-key.guard';
import { ApiKeysRepository } from '../../auth/api-keys.repository';
import type { GatewayEnv } from '../../config/gateway.env';
import { BalanceController } from './balance.controller';
import { BillingQueriesClient } from './billing-queries.client';
import { GenerationController } from './generation.controller';
import { LedgerReportsClient } from './ledger-reports.client';
import { LogsController } from './logs.controller';
import { USAGE_ROUTES_OPTIONS, type UsageRoutesOptions } from './usage-routes.options';
import { UsageController } from './usage.controller';

/** Reports are read queries over a window: longer than a hold, still bounded. */
const BILLING_QUERY_TIMEOUT_MS = 10_000;

/**
 * Usage, generations, logs, balance and transactions for API-key holders, always scoped to the key's workspace.
 * Answers come from billing and the ledger over NATS; the module brings its own API-key authentication (the
 * process-local key cache lives ≤ 1 s, so a second instance changes nothing about revocation).
 */
@Module({})
export class UsageRoutesModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    const options: UsageRoutesOptions = { billingTimeoutMs: BILLING_QUERY_TIMEOUT_MS, ledgerTimeoutMs: env.LEDGER_TIMEOUT_MS };
    return {
      module: UsageRoutesModule,
      imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
      controllers: [UsageController, GenerationController, LogsController, BalanceController],
      providers: [
        { provide: USAGE_ROUTES_OPTIONS, useValue: options },
        ApiKeysRepository,
        ApiKeyCache,
        ApiKeyAuthService,
        ApiKeyGuard,
        BillingQueriesClient,
        LedgerReportsClient,
      ],
      exports: [LedgerReportsClient],
    };
  }
}
