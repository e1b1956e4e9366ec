import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseReadiness } from '@switchyard/database';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import type { LedgerEnv } from './config/ledger.env';
import { ledgerDataSourceProvider } from './database/ledger-data-source.provider';
import { LedgerDatabaseLifecycle } from './database/ledger-database.lifecycle';
import { LEDGER_SQL_ATTEMPTS, LedgerSqlClient } from './database/ledger-sql.client';
import { HoldBatchRepository } from './holds/hold-batch.repository';
import { HOLD_COMMAND_BATCHER_OPTIONS, HoldCommandBatcher } from './holds/hold-command.batcher';
import { HoldCommandsResponder } from './holds/hold-commands.responder';
import { HoldsController } from './holds/holds.controller';
import { HoldsRepository } from './holds/holds.repository';
import { HoldsService } from './holds/holds.service';
import { LedgerPostingsMetrics } from './metrics/ledger-postings.metrics';
import { FinanceController } from './reports/finance.controller';
import { FinanceRepository } from './reports/finance.repository';
import { FinanceService } from './reports/finance.service';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { ReportsService } from './reports/reports.service';
import { HOLD_EXPIRY_SWEEPER_OPTIONS, HoldExpirySweeper } from './sweeper/hold-expiry.sweeper';
import { TransfersController } from './transfers/transfers.controller';
import { TransfersRepository } from './transfers/transfers.repository';
import { TransfersService } from './transfers/transfers.service';

@Module({})
export class AppModule {
  static forRoot(env: LedgerEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('ledger', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('ledger')),
        NatsModule.forRoot(natsConnectionOptions('ledger', env)),
      ],
      controllers: [AccountsController, TransfersController, HoldsController, ReportsController, FinanceController],
      providers: [
        ledgerDataSourceProvider(env),
        LedgerDatabaseLifecycle,
        { provide: LEDGER_SQL_ATTEMPTS, useValue: env.LEDGER_SQL_ATTEMPTS },
        LedgerSqlClient,
        AccountsRepository,
        AccountsService,
        TransfersRepository,
        TransfersService,
        LedgerPostingsMetrics,
        HoldBatchRepository,
        {
          provide: HOLD_COMMAND_BATCHER_OPTIONS,
          useValue: {
            maxBatchCommands: env.LEDGER_BATCH_MAX_COMMANDS,
            maxInFlightBatches: env.LEDGER_BATCH_IN_FLIGHT,
            splitMinCommands: env.LEDGER_BATCH_SPLIT_MIN_COMMANDS,
            stallMs: env.LEDGER_BATCH_STALL_MS,
            maxQueuedCommands: env.LEDGER_BATCH_QUEUE_MAX,
            lingerMs: env.LEDGER_BATCH_LINGER_MS,
            attempts: env.LEDGER_SQL_ATTEMPTS,
            exitAfterCommitHoldId: env.LEDGER_FAULT_EXIT_AFTER_COMMIT_HOLD_ID,
          },
        },
        HoldCommandBatcher,
        HoldsRepository,
        HoldsService,
        HoldCommandsResponder,
        ReportsRepository,
        ReportsService,
        FinanceRepository,
        FinanceService,
        { provide: HOLD_EXPIRY_SWEEPER_OPTIONS, useValue: { intervalMs: env.LEDGER_SWEEP_INTERVAL_MS, batchSize: env.LEDGER_SWEEP_BATCH_SIZE } },
        HoldExpirySweeper,
        DatabaseReadiness,
        NatsReadiness,
      ],
    };
  }
}
