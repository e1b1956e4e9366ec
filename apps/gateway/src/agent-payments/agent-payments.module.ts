import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { WorkspaceEntity } from '../management/workspace.entity';
import { AgentPaymentsLedgerClient } from './agent-payments-ledger.client';
import { AgentPaymentsProbeController } from './agent-payments-probe.controller';
import { AgentPaymentsService } from './agent-payments.service';
import { AgentRefundsController } from './agent-refunds.controller';
import { AgentRefundsService } from './agent-refunds.service';
import { ChainPaymentsClient } from './chain-payments.client';
import { PayerWorkspacesRepository } from './payer-workspaces.repository';
import { PaymentReplayStore } from './payment-replay.store';

/** Agent pay-per-request (HTTP 402, MPP). Exports AgentPaymentsService for the completion pipeline. */
@Module({})
export class AgentPaymentsModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: AgentPaymentsModule,
      imports: [TypeOrmModule.forFeature([WorkspaceEntity, ApiKeyEntity])],
      controllers: [AgentRefundsController, ...(env.AGENT_PAYMENTS_PROBE_ROUTE ? [AgentPaymentsProbeController] : [])],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        PaymentReplayStore,
        ChainPaymentsClient,
        AgentPaymentsLedgerClient,
        PayerWorkspacesRepository,
        AgentPaymentsService,
        AgentRefundsService,
      ],
      exports: [AgentPaymentsService],
    };
  }
}
