export * from './lib/nats.options';
export * from './lib/nats.module';
export * from './lib/nats-bus';
export * from './lib/jetstream.client';
export * from './lib/handle-command.decorator';
export * from './lib/nats-microservice';
export * from './lib/trace-context';
export * from './lib/hold-commands/hold-commands.client';
