import { Readable } from 'node:stream';
import { Controller, Get, Param, Query, StreamableFile, UseGuards } from '@nestjs/common';
import { AccountCode, type CommandContract, type CommandRequestInput, type CommandResponse, LedgerAccountsList, LedgerAuditRun, LedgerJournalExport, LedgerStatementGet, LedgerTrialBalanceGet } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { AdminTokenGuard } from './admin-token.guard';
import {
  LedgerAccountsQuerySchema,
  LedgerJournalQuerySchema,
  LedgerStatementQuerySchema,
  LedgerTrialBalanceQuerySchema,
  parseLedgerQuery,
} from './ledger-admin.schemas';
import { type JournalEntry, journalCsvHeader, journalCsvLine, journalJsonLine } from './ledger-journal.format';

/** Reports scan the journal: longer than a hold's timeout, still bounded. */
const LEDGER_REPORT_TIMEOUT_MS = 30_000;
const JOURNAL_PAGE_ENTRIES = 1_000;
/** One export stops here; a longer range is exported in several calls. */
const JOURNAL_EXPORT_MAX_ENTRIES = 1_000_000;

/** The ledger's finance read side for operators (admin token); every answer comes from the ledger over NATS. */
@Controller('api/v1/admin/ledger')
@UseGuards(AdminTokenGuard)
export class LedgerAdminController {
  constructor(private readonly bus: NatsBus) {}

  @Get('accounts')
  accounts(@Query() query: Record<string, unknown>) {
    const { prefix, after, limit } = parseLedgerQuery(LedgerAccountsQuerySchema, query);
    return this.ask(LedgerAccountsList, { codePrefix: prefix, afterCode: after, limit });
  }

  @Get('accounts/:code')
  async account(@Param('code') code: string) {
    const accountCode = parseLedgerQuery(AccountCode, code, 'code');
    const { accounts } = await this.ask(LedgerAccountsList, { codes: [accountCode], limit: 1 });
    if (!accounts[0]) throw new AppError('not_found', `Account ${accountCode} does not exist.`, { param: 'code' });
    return accounts[0];
  }

  @Get('accounts/:code/statement')
  async statement(@Param('code') code: string, @Query() query: Record<string, unknown>) {
    const accountCode = parseLedgerQuery(AccountCode, code, 'code');
    const { cursor, limit } = parseLedgerQuery(LedgerStatementQuerySchema, query);
    const page = await this.ask(LedgerStatementGet, { accountCode, afterTransferId: cursor, limit });
    const { nextAfterTransferId, ...rest } = page;
    return { ...rest, nextCursor: nextAfterTransferId };
  }

  @Get('trial-balance')
  trialBalance(@Query() query: Record<string, unknown>) {
    const { as_of } = parseLedgerQuery(LedgerTrialBalanceQuerySchema, query);
    return this.ask(LedgerTrialBalanceGet, { asOf: as_of });
  }

  @Get('audit')
  audit() {
    return this.ask(LedgerAuditRun, {});
  }

  /** Streams every transfer in [from, to) page by page; the first page is fetched before the status line, so errors stay errors. */
  @Get('journal')
  async journal(@Query() query: Record<string, unknown>): Promise<StreamableFile> {
    const { from, to, format } = parseLedgerQuery(LedgerJournalQuerySchema, query);
    if (Date.parse(from) > Date.parse(to)) throw new AppError('invalid_request', "'from' must not be after 'to'.", { param: 'from' });
    const first = await this.ask(LedgerJournalExport, { from, to, limit: JOURNAL_PAGE_ENTRIES });
    const line = format === 'csv' ? journalCsvLine : journalJsonLine;
    const bus = this;
    async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield journalCsvHeader();
      let page = first;
      let written = 0;
      for (;;) {
        yield page.entries.map((entry: JournalEntry) => line(entry)).join('');
        written += page.entries.length;
        if (!page.nextAfterTransferId || written >= JOURNAL_EXPORT_MAX_ENTRIES) return;
        page = await bus.ask(LedgerJournalExport, { from, to, afterTransferId: page.nextAfterTransferId, limit: JOURNAL_PAGE_ENTRIES });
      }
    }
    return new StreamableFile(Readable.from(lines()), {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      disposition: `attachment; filename="journal-${from.slice(0, 10)}-${to.slice(0, 10)}.${format}"`,
    });
  }

  private async ask<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>): Promise<CommandResponse<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs: LEDGER_REPORT_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'The ledger is unavailable; retry shortly.', { cause: error });
    }
  }
}
