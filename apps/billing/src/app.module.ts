import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { JetStreamLagMetrics, NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { PriceTable } from '@switchyard/pricing';
import { BILLING_ENV, type BillingEnv } from './config/billing.env';
import { SettlementPolicy } from './costing/settlement.policy';
import { billingDatabaseModule } from './database/billing-database.module';
import { BillingMetrics } from './settlement/billing.metrics';
import { ChargeRepository } from './settlement/charge.repository';
import { LedgerHoldsClient } from './settlement/ledger-holds.client';
import { RequestCompletedConsumer } from './settlement/request-completed.consumer';
import { SettlementBatcher } from './settlement/settlement.batcher';
import { SettlementService } from './settlement/settlement.service';
import { BillingQueriesController } from './request-log/billing-queries.controller';
import { RequestLogRepository } from './request-log/request-log.repository';
import { RequestLogService } from './request-log/request-log.service';
import { RequestContentRepository } from './request-content/request-content.repository';
import { RequestContentRetention } from './request-content/request-content-retention.service';
import { UsageReportService } from './usage/usage-report.service';
import { UsageController } from './usage/usage.controller';
import { UsageRepository } from './usage/usage.repository';

@Module({})
export class AppModule {
  static forRoot(env: BillingEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('billing', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('billing')),
        NatsModule.forRoot(natsConnectionOptions('billing', env)),
        billingDatabaseModule(env),
      ],
      controllers: [UsageController, BillingQueriesController],
      providers: [
        { provide: BILLING_ENV, useValue: env },
        // Prices are validated at boot: a bad price file stops the service instead of billing wrong.
        { provide: PriceTable, useFactory: () => PriceTable.loadFromDirectory(env.PRICE_DATA_DIR) },
        {
          provide: SettlementPolicy,
          inject: [PriceTable],
          useFactory: (prices: PriceTable) => new SettlementPolicy(prices, { markupBasisPoints: env.PRICING_MARKUP_BASIS_POINTS, webSearchFeeMicros: env.WEB_SEARCH_FEE_MICROS }),
        },
        BillingMetrics,
        ChargeRepository,
        UsageRepository,
        UsageReportService,
        RequestLogRepository,
        RequestLogService,
        RequestContentRepository,
        RequestContentRetention,
        LedgerHoldsClient,
        SettlementService,
        SettlementBatcher,
        RequestCompletedConsumer,
        NatsReadiness,
        JetStreamLagMetrics,
      ],
    };
  }
}
