import { Controller, Get, Param, Query } from '@nestjs/common';
import { AccountCode } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { z } from 'zod';
import { ReportsService } from './reports.service';

const StatementQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** Finance / ops read side over HTTP. */
@Controller()
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('audit')
  audit() {
    return this.reports.audit();
  }

  @Get('trial-balance')
  trialBalance() {
    return this.reports.trialBalance();
  }

  @Get('accounts/:code/transfers')
  statement(@Param('code') code: string, @Query() query: Record<string, unknown>) {
    const parsedCode = AccountCode.safeParse(code);
    if (!parsedCode.success) throw new AppError('invalid_request', 'code must be an account code like liability:workspace_credit:<id>.', { param: 'code' });
    const parsedQuery = StatementQuery.safeParse(query);
    if (!parsedQuery.success) throw new AppError('invalid_request', 'limit must be an integer between 1 and 500.', { param: 'limit' });
    return this.reports.statement(parsedCode.data, parsedQuery.data.limit);
  }
}
