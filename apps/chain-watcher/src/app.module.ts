import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { JetStreamLagMetrics, NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { DepositAddressesRepository } from './addresses/deposit-addresses.repository';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from './config/chain-watcher.env';
import { chainDatabaseModule } from './database/chain-database.module';
import { DepositAsset } from './deposits/deposit-asset';
import { DepositsController } from './deposits/deposits.controller';
import { DepositsRepository } from './deposits/deposits.repository';
import { DepositsService } from './deposits/deposits.service';
import { chainClientProvider } from './follower/chain-client.provider';
import { ChainFollowerService } from './follower/chain-follower.service';
import { ChainReadiness } from './follower/chain-readiness';
import { ChainReader } from './follower/chain.reader';
import { FollowerCursorRepository } from './follower/follower-cursor.repository';
import { FollowerLeaderLock } from './follower/follower-leader.lock';
import { FollowerMetrics } from './follower/follower.metrics';
import { DepositConfirmedConsumer } from './funding/deposit-confirmed.consumer';
import { FundingCreditsRepository } from './funding/funding-credits.repository';
import { FundingService } from './funding/funding.service';
import { LedgerFundingClient } from './funding/ledger-funding.client';
import { OutboxRelay } from './outbox/outbox.relay';
import { PaymentChainClient } from './payments/payment-chain.client';
import { PaymentsController } from './payments/payments.controller';
import { PaymentsService } from './payments/payments.service';
import { PayoutService } from './payments/payout.service';

@Module({})
export class AppModule {
  static forRoot(env: ChainWatcherEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('chain-watcher', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('chain-watcher')),
        NatsModule.forRoot(natsConnectionOptions('chain-watcher', env)),
        chainDatabaseModule(env),
      ],
      controllers: [DepositsController, PaymentsController],
      providers: [
        { provide: CHAIN_WATCHER_ENV, useValue: env },
        chainClientProvider,
        ChainReader,
        DepositAsset,
        FollowerCursorRepository,
        FollowerLeaderLock,
        FollowerMetrics,
        DepositAddressesRepository,
        DepositsRepository,
        OutboxRelay,
        FundingCreditsRepository,
        LedgerFundingClient,
        FundingService,
        DepositConfirmedConsumer,
        DepositsService,
        PaymentChainClient,
        PaymentsService,
        PayoutService,
        ChainFollowerService,
        ChainReadiness,
        NatsReadiness,
        JetStreamLagMetrics,
      ],
    };
  }
}
