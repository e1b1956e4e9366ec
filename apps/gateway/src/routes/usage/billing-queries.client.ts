import { Inject, Injectable } from '@nestjs/common';
import {
  BillingGenerationGet,
  BillingLogsQuery,
  BillingUsageQuery,
  type CommandContract,
  type CommandRequestInput,
  type CommandResponse,
} from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { USAGE_ROUTES_OPTIONS, type UsageRoutesOptions } from './usage-routes.options';

/** Billing's read side (usage, generations, logs) over NATS request/reply; billing unreachable → 503. */
@Injectable()
export class BillingQueriesClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(USAGE_ROUTES_OPTIONS) private readonly options: UsageRoutesOptions,
  ) {}

  usage(workspaceId: string, days: number) {
    return this.ask(BillingUsageQuery, { workspaceId, days });
  }

  generation(workspaceId: string, requestId: string) {
    return this.ask(BillingGenerationGet, { workspaceId, requestId });
  }

  logs(query: CommandRequestInput<typeof BillingLogsQuery>) {
    return this.ask(BillingLogsQuery, query);
  }

  private async ask<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>): Promise<CommandResponse<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs: this.options.billingTimeoutMs });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'Billing is unavailable; retry shortly.', { cause: error });
    }
  }
}
