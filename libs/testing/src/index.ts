export * from './lib/test-database';
export * from './lib/service-process';
export * from './lib/test-command.client';
export * from './lib/test-stack';
export * from './lib/otlp-collector';
export * from './lib/anvil';
export * from './lib/ledger-workspace';
