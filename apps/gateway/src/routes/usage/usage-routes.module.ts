import { type DynamicModule, Module } from '@nestjs/common';
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
 * Usage, generations, logs, balance and transactions for API-key holders and signed-in members, always scoped to the
 * caller's workspace. Answers come from billing and the ledger over NATS; authentication is the global AuthModule's.
 */
@Module({})
export class UsageRoutesModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    const options: UsageRoutesOptions = { billingTimeoutMs: BILLING_QUERY_TIMEOUT_MS, ledgerTimeoutMs: env.LEDGER_TIMEOUT_MS };
    return {
      module: UsageRoutesModule,
      controllers: [UsageController, GenerationController, LogsController, BalanceController],
      providers: [
        { provide: USAGE_ROUTES_OPTIONS, useValue: options },
        BillingQueriesClient,
        LedgerReportsClient,
      ],
      exports: [LedgerReportsClient],
    };
  }
}
