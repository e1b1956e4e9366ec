export * from './lib/telemetry';
export * from './lib/metrics';
export * from './lib/logger';
