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
import { HoldsController } from './holds/holds.controller';
import { HoldsRepository } from './holds/holds.repository';
import { HoldsService } from './holds/holds.service';
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
      controllers: [AccountsController, TransfersController, HoldsController, ReportsController],
      providers: [
        ledgerDataSourceProvider(env),
        LedgerDatabaseLifecycle,
        { provide: LEDGER_SQL_ATTEMPTS, useValue: env.LEDGER_SQL_ATTEMPTS },
        LedgerSqlClient,
        AccountsRepository,
        AccountsService,
        TransfersRepository,
        TransfersService,
        HoldsRepository,
        HoldsService,
        ReportsRepository,
        ReportsService,
        { provide: HOLD_EXPIRY_SWEEPER_OPTIONS, useValue: { intervalMs: env.LEDGER_SWEEP_INTERVAL_MS, batchSize: env.LEDGER_SWEEP_BATCH_SIZE } },
        HoldExpirySweeper,
        DatabaseReadiness,
        NatsReadiness,
      ],
    };
  }
}
