import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HoldCommandsClient } from './hold-commands/hold-commands.client';
import { JetStreamClient } from './jetstream.client';
import { NatsBus } from './nats-bus';
import { NATS_CONNECTION_OPTIONS, type NatsConnectionOptions } from './nats.options';
import { SharedNatsConnection } from './shared-nats-connection';

/** Provides the typed request/reply bus, the batched hold commands client and the JetStream client for one service. */
@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsConnectionOptions): DynamicModule {
    return {
      module: NatsModule,
      providers: [{ provide: NATS_CONNECTION_OPTIONS, useValue: options }, SharedNatsConnection, NatsBus, HoldCommandsClient, JetStreamClient],
      exports: [NATS_CONNECTION_OPTIONS, SharedNatsConnection, NatsBus, HoldCommandsClient, JetStreamClient],
    };
  }
}
