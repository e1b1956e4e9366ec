import { Controller, Get, UseGuards } from '@nestjs/common';
import { microsToUsd } from '@switchyard/money';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { LedgerReportsClient } from '../routes/usage/ledger-reports.client';
import { ManagementService } from './management.service';

@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class CreditsController {
  constructor(
    private readonly management: ManagementService,
    private readonly ledger: LedgerReportsClient,
  ) {}

  /**
   * OpenRouter's `{ data: { total_credits, total_usage } }` (USD decimal strings; the balance is their difference)
   * next to Switchyard's balance fields. Both come from the workspace's credit account in the ledger.
   */
  @Get('credits')
  async credits(@CurrentPrincipal() key: Principal) {
    const [balance, totals] = await Promise.all([this.management.credits(key.workspaceId), this.ledger.creditTotals(key.workspaceId)]);
    return {
      ...balance,
      data: { total_credits: microsToUsd(totals.creditedMicros), total_usage: microsToUsd(totals.debitedMicros) },
    };
  }
}
