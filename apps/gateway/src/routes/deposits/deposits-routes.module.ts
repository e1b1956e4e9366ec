import { Module } from '@nestjs/common';
import { DepositsClient } from './deposits.client';
import { DepositsController } from './deposits.controller';

/**
 * `/api/v1/deposits…`, always scoped to the caller's workspace (API key or session, via the global AuthModule);
 * answers come from the chain-watcher over NATS.
 */
@Module({
  controllers: [DepositsController],
  providers: [DepositsClient],
  exports: [DepositsClient],
})
export class DepositsRoutesModule {}
