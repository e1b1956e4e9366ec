import { type DynamicModule, Module } from '@nestjs/common';
import { NatsModule, natsConnectionOptions } from '@switchyard/nats';
import { JetStreamLagMetrics, NatsReadiness, OpsModule, serviceLoggerModule } from '@switchyard/nest-common';
import { createMetricsRegistry } from '@switchyard/observability';
import { PriceTable } from '@switchyard/pricing';
import { CatalogService } from './catalog/catalog.service';
import { ROUTER_ENV, type RouterEnv } from './config/router.env';
import { AttemptHealthObserver } from './health/attempt-health.observer';
import { HealthTracker } from './health/health-tracker';
import { loadRoutingConfig } from './routing-config/routing-config.loader';
import { ROUTING_CONFIG } from './routing-config/routing-config.token';
import { RouteResolveController } from './routes/route-resolve.controller';
import { RouteResolverService } from './routes/route-resolver.service';
import { RoutingSnapshotPublisher } from './snapshot/routing-snapshot.publisher';
import { RoutingSnapshotService } from './snapshot/routing-snapshot.service';

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
        { provide: ROUTER_ENV, useValue: env },
        { provide: PriceTable, useFactory: () => PriceTable.loadFromDirectory(env.PRICE_DATA_DIR) },
        { provide: ROUTING_CONFIG, useFactory: (catalog: PriceTable) => loadRoutingConfig(catalog, env.ROUTING_CONFIG_FILE), inject: [PriceTable] },
        {
          provide: HealthTracker,
          useFactory: () =>
            new HealthTracker({
              windowMs: env.ROUTER_HEALTH_WINDOW_MS,
              samplesMax: env.ROUTER_HEALTH_SAMPLES_MAX,
              breaker: { failuresToOpen: env.ROUTER_BREAKER_FAILURES, cooldownMs: env.ROUTER_BREAKER_COOLDOWN_MS },
            }),
        },
        CatalogService,
        RouteResolverService,
        AttemptHealthObserver,
        RoutingSnapshotPublisher,
        RoutingSnapshotService,
        NatsReadiness,
        JetStreamLagMetrics,
      ],
    };
  }
}
