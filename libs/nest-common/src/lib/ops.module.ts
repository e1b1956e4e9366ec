import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY, OpsController } from './ops.controller';
import { ReadinessRegistry } from './readiness.registry';

@Global()
@Module({})
export class OpsModule {
  static forRoot(registry: Registry): DynamicModule {
    return {
      module: OpsModule,
      controllers: [OpsController],
      providers: [ReadinessRegistry, { provide: METRICS_REGISTRY, useValue: registry }],
      exports: [ReadinessRegistry, METRICS_REGISTRY],
    };
  }
}
