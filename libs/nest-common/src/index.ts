export * from './lib/readiness.registry';
export * from './lib/ops.controller';
export * from './lib/ops.module';
export * from './lib/http-error.filter';
export * from './lib/zod-body.pipe';
export * from './lib/bootstrap-service';
export * from './lib/nats-readiness';
export * from './lib/jetstream-lag.metrics';
