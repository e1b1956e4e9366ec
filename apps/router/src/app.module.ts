import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule } from '@switchyard/nats';
import { NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { PriceTable } from '@switchyard/pricing';
import { CatalogService } from './catalog/catalog.service';
import type { RouterEnv } from './config/router.env';
import { RouteResolveController } from './routes/route-resolve.controller';
import { RouteResolverService } from './routes/route-resolver.service';

@Module({})
export class AppModule {
  static forRoot(env: RouterEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        serviceLoggerModule('router', env.LOG_LEVEL),
        OpsModule.forRoot(createMetricsRegistry('router')),
        NatsModule.forRoot({ serviceName: 'router', url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS }),
      ],
      controllers: [RouteResolveController],
      providers: [
        { provide: PriceTable, useFactory: () => PriceTable.loadFromDirectory(env.PRICE_DATA_DIR) },
        CatalogService,
        RouteResolverService,
        NatsReadiness,
      ],
    };
  }
}
