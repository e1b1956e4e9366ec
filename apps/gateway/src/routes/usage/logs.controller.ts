import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '../../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../../auth/workspace-auth.guard';
import { BillingQueriesClient } from './billing-queries.client';
import { formatLogEntry } from './usage-routes.format';
import { LogsQuerySchema, parseQuery } from './usage-routes.schemas';

/** The key's workspace request log, newest first: filter by model, provider, outcome, key, user and time; page with `cursor`. */
@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class LogsController {
  constructor(private readonly billing: BillingQueriesClient) {}

  @Get('logs')
  async logs(@CurrentPrincipal() key: Principal, @Query() query: Record<string, unknown>) {
    const filters = parseQuery(LogsQuerySchema, query);
    const page = await this.billing.logs({
      workspaceId: key.workspaceId,
      model: filters.model,
      providerId: filters.provider,
      outcome: filters.outcome,
      apiKeyId: filters.key,
      endUserId: filters.user,
      from: filters.from,
      to: filters.to,
      limit: filters.limit,
      cursor: filters.cursor,
    });
    return { data: page.entries.map(formatLogEntry), next_cursor: page.nextCursor };
  }
}
