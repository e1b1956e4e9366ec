import { Controller, Get, Query } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { type UsageQuery, UsageQuerySchema, type UsageReport } from './usage.query';
import { UsageRepository } from './usage.repository';

const DAY_MS = 86_400_000;

/** Read side for dashboards and the CLI's `usage --days N` (through the gateway's management API). */
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageRepository) {}

  @Get()
  async report(@Query(new ZodBodyPipe(UsageQuerySchema)) query: UsageQuery): Promise<UsageReport> {
    const startOfToday = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const since = new Date(startOfToday - (query.days - 1) * DAY_MS);
    const [totals, byDay, byModel] = await Promise.all([
      this.usage.totals(query.workspaceId, since),
      this.usage.byDay(query.workspaceId, since),
      this.usage.byModel(query.workspaceId, since),
    ]);
    return { workspaceId: query.workspaceId, days: query.days, since: since.toISOString(), totals, byDay, byModel };
  }
}
