import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseReadiness } from '@switchyard/database';
import { NatsModule } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from './config/chain-watcher.env';
import { ChainDatabaseModule } from './database/chain-database.module';
import { chainClientProvider } from './follower/chain-client.provider';
import { ChainFollowerService } from './follower/chain-follower.service';
import { ChainReadiness } from './follower/chain-readiness';
import { FollowerCursorRepository } from './follower/follower-cursor.repository';
import { FollowerMetrics } from './follower/follower.metrics';

@Module({})
export class AppModule {
  static forRoot(env: ChainWatcherEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('chain-watcher', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('chain-watcher')),
        NatsModule.forRoot({ serviceName: 'chain-watcher', url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS }),
        ChainDatabaseModule.forRoot(env),
      ],
      providers: [
        { provide: CHAIN_WATCHER_ENV, useValue: env },
        chainClientProvider,
        FollowerCursorRepository,
        FollowerMetrics,
        ChainFollowerService,
        ChainReadiness,
        NatsReadiness,
        DatabaseReadiness,
      ],
    };
  }
}
