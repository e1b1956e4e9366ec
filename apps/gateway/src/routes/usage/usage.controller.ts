import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '../../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../../auth/workspace-auth.guard';
import { BillingQueriesClient } from './billing-queries.client';
import { formatUsageReport } from './usage-routes.format';
import { parseQuery, UsageQuerySchema } from './usage-routes.schemas';

/** The key's workspace usage: totals and breakdowns by model, key, end user, app and day. */
@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class UsageController {
  constructor(private readonly billing: BillingQueriesClient) {}

  @Get('usage')
  async usage(@CurrentPrincipal() key: Principal, @Query() query: Record<string, unknown>) {
    const { days } = parseQuery(UsageQuerySchema, query);
    return formatUsageReport(await this.billing.usage(key.workspaceId, days));
  }
}
