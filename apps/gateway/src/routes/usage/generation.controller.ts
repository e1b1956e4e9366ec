import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { RequestId } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { Principal } from '../../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../../auth/workspace-auth.guard';
import { BillingQueriesClient } from './billing-queries.client';
import { formatGeneration } from './usage-routes.format';
import { GenerationQuerySchema, parseQuery } from './usage-routes.schemas';

/**
 * One request by its generation id (`X-Generation-Id`), in OpenRouter's shape with every attempt. Another
 * workspace's id is 404 like an unknown one. Billing writes the row after settling, so a lookup right after the
 * response may 404 for a moment; clients retry, as with OpenRouter.
 */
@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class GenerationController {
  constructor(private readonly billing: BillingQueriesClient) {}

  @Get('generation')
  async generation(@CurrentPrincipal() key: Principal, @Query() query: Record<string, unknown>) {
    const { id } = parseQuery(GenerationQuerySchema, query);
    if (!RequestId.safeParse(id).success) throw notFound(id);
    return formatGeneration(await this.billing.generation(key.workspaceId, id));
  }
}

function notFound(id: string): AppError {
  return new AppError('not_found', `No generation with id '${id.slice(0, 100)}'.`, { param: 'id' });
}
