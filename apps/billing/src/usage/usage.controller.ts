import { Controller, Get, Query } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { UsageReportService } from './usage-report.service';
import { type UsageQuery, UsageQuerySchema, type UsageReport } from './usage.query';

/** Read side for operators on billing's own port; key holders ask through the gateway (`billing.usage.query`). */
@Controller('usage')
export class UsageController {
  constructor(private readonly reports: UsageReportService) {}

  @Get()
  async report(@Query(new ZodBodyPipe(UsageQuerySchema)) query: UsageQuery): Promise<UsageReport> {
    return { workspaceId: query.workspaceId, ...(await this.reports.report(query.workspaceId, query.days)) };
  }
}
