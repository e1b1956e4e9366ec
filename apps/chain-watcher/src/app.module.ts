import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from './config/chain-watcher.env';
import { chainDatabaseModule } from './database/chain-database.module';
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
        NatsModule.forRoot(natsConnectionOptions('chain-watcher', env)),
        chainDatabaseModule(env),
      ],
      providers: [
        { provide: CHAIN_WATCHER_ENV, useValue: env },
        chainClientProvider,
        FollowerCursorRepository,
        FollowerMetrics,
        ChainFollowerService,
        ChainReadiness,
        NatsReadiness,
      ],
    };
  }
}
