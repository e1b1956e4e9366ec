import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
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
        NatsModule.forRoot(natsConnectionOptions('router', env)),
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
