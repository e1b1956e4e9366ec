import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { microsToUsd } from '@switchyard/money';
import type { Principal } from '../../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../../auth/workspace-auth.guard';
import { LedgerReportsClient } from './ledger-reports.client';
import { formatTransaction } from './usage-routes.format';
import { parseQuery, TransactionsQuerySchema } from './usage-routes.schemas';

/** The key's workspace balance and its credit account's transfers, straight from the ledger. */
@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class BalanceController {
  constructor(private readonly ledger: LedgerReportsClient) {}

  /** Posted (settled), pending (held for requests in flight) and available (posted − pending) micro-USD. */
  @Get('balance')
  async balance(@CurrentPrincipal() key: Principal) {
    const balance = await this.ledger.balance(key.workspaceId);
    return {
      data: {
        workspace_id: key.workspaceId,
        posted_micros: balance.postedMicros,
        pending_micros: balance.pendingMicros,
        available_micros: balance.availableMicros,
        posted_usd: microsToUsd(BigInt(balance.postedMicros)),
        available_usd: microsToUsd(BigInt(balance.availableMicros)),
      },
    };
  }

  /** Oldest first with the running posted balance; page with `cursor` = `next_cursor` until it is null. */
  @Get('transactions')
  async transactions(@CurrentPrincipal() key: Principal, @Query() query: Record<string, unknown>) {
    const { cursor, limit } = parseQuery(TransactionsQuerySchema, query);
    const page = await this.ledger.statement(key.workspaceId, cursor, limit);
    return { data: page.lines.map(formatTransaction), opening_balance_micros: page.openingBalanceMicros, next_cursor: page.nextAfterTransferId };
  }
}
