import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BillingGenerationGet, BillingLogsQuery, BillingUsageQuery, type CommandRequest } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { UsageReportService } from '../usage/usage-report.service';
import { RequestLogService } from './request-log.service';

/** Billing's read side over NATS request/reply; every question is scoped to one workspace by the caller (the gateway). */
@Controller()
export class BillingQueriesController {
  constructor(
    private readonly logs: RequestLogService,
    private readonly usage: UsageReportService,
  ) {}

  @HandleCommand(BillingUsageQuery)
  usageReport(@Payload() request: CommandRequest<typeof BillingUsageQuery>) {
    return this.usage.report(request.workspaceId, request.days);
  }

  @HandleCommand(BillingGenerationGet)
  generation(@Payload() request: CommandRequest<typeof BillingGenerationGet>) {
    return this.logs.generation(request.workspaceId, request.requestId);
  }

  @HandleCommand(BillingLogsQuery)
  logsPage(@Payload() request: CommandRequest<typeof BillingLogsQuery>) {
    return this.logs.page(request);
  }
}
