import { Injectable } from '@nestjs/common';
import {
  type CommandRequest,
  type CommandResponse,
  LedgerAccountsList,
  LedgerAuditRun,
  LedgerJournalExport,
  LedgerStatementGet,
  LedgerTrialBalanceGet,
  microsToWire,
} from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type AccountRow, FinanceRepository, type JournalRow } from './finance.repository';
import { availableBalance, isDebitNormal, postedBalance } from './normal-balance';

/** Balances, statements, trial balance, journal export and audit for finance and ops (answered over NATS). */
@Injectable()
export class FinanceService {
  constructor(private readonly finance: FinanceRepository) {}

  async accounts(request: CommandRequest<typeof LedgerAccountsList>): Promise<CommandResponse<typeof LedgerAccountsList>> {
    const rows = await this.finance.listAccounts(request);
    const full = rows.length === request.limit;
    return { accounts: rows.map(toBalance), nextAfterCode: full ? rows[rows.length - 1]!.code : null };
  }

  async statement(request: CommandRequest<typeof LedgerStatementGet>): Promise<CommandResponse<typeof LedgerStatementGet>> {
    const page = await this.finance.statementPage(request.accountCode, request.afterTransferId ?? '0', request.limit);
    if (!page) throw new AppError('not_found', `Account ${request.accountCode} does not exist.`, { details: { accountCode: request.accountCode } });
    const { type } = page.account;
    const opening = postedBalance(type, page.openingDebits, page.openingCredits);
    let balance = opening;
    const lines = page.rows.map((row) => {
      const direction = row.debitAccountCode === request.accountCode ? 'debit' : 'credit';
      if (row.kind === 'single' || row.kind === 'post') balance += direction === 'debit' === isDebitNormal(type) ? row.amount : -row.amount;
      return {
        transferId: row.transferId,
        createdAt: row.createdAt,
        kind: row.kind,
        direction,
        counterpartyCode: direction === 'debit' ? row.creditAccountCode : row.debitAccountCode,
        amountMicros: microsToWire(row.amount),
        reason: row.reason,
        idempotencyKey: row.idempotencyKey,
        journalKey: row.journalKey,
        pendingId: row.pendingId,
        balanceMicros: microsToWire(balance),
        metadata: row.metadata,
      } as const;
    });
    const full = page.rows.length === request.limit;
    return {
      accountCode: request.accountCode,
      type,
      openingBalanceMicros: microsToWire(opening),
      lines,
      nextAfterTransferId: full ? page.rows[page.rows.length - 1]!.transferId : null,
    };
  }

  async trialBalance(request: CommandRequest<typeof LedgerTrialBalanceGet>): Promise<CommandResponse<typeof LedgerTrialBalanceGet>> {
    const { asOf, accounts } = await this.finance.trialBalance(request.asOf);
    const debits = accounts.reduce((sum, a) => sum + a.debitsPosted, 0n);
    const credits = accounts.reduce((sum, a) => sum + a.creditsPosted, 0n);
    return {
      asOf,
      accounts: accounts.map((a) => ({
        accountCode: a.code,
        type: a.type,
        debitsPostedMicros: microsToWire(a.debitsPosted),
        creditsPostedMicros: microsToWire(a.creditsPosted),
        balanceMicros: microsToWire(postedBalance(a.type, a.debitsPosted, a.creditsPosted)),
      })),
      totals: { debitsPostedMicros: microsToWire(debits), creditsPostedMicros: microsToWire(credits) },
      balanced: debits === credits,
    };
  }

  async journal(request: CommandRequest<typeof LedgerJournalExport>): Promise<CommandResponse<typeof LedgerJournalExport>> {
    if (Date.parse(request.from) > Date.parse(request.to)) throw new AppError('invalid_request', 'from must not be after to.', { param: 'from' });
    const rows = await this.finance.journalPage(request.from, request.to, request.afterTransferId ?? '0', request.limit);
    const full = rows.length === request.limit;
    return { entries: rows.map(toJournalEntry), nextAfterTransferId: full ? rows[rows.length - 1]!.transferId : null };
  }

  async audit(): Promise<CommandResponse<typeof LedgerAuditRun>> {
    const audit = await this.finance.recompute();
    const sum = audit.postedSum + audit.pendingSum;
    return {
      balanced:
        audit.postedSum === 0n &&
        audit.pendingSum === 0n &&
        audit.mismatches.length === 0 &&
        audit.overdrawnAccounts.length === 0 &&
        audit.holdsResolvedMoreThanOnce === 0,
      sumMicros: microsToWire(sum),
      postedSumMicros: microsToWire(audit.postedSum),
      pendingSumMicros: microsToWire(audit.pendingSum),
      mismatches: audit.mismatches.map((m) => ({ accountCode: m.accountCode, field: m.field, cachedMicros: microsToWire(m.cached), recomputedMicros: microsToWire(m.recomputed) })),
      overdrawnAccounts: audit.overdrawnAccounts,
      holdsResolvedMoreThanOnce: audit.holdsResolvedMoreThanOnce,
      holdsPastTimeout: audit.holdsPastTimeout,
      checkedAccounts: audit.checkedAccounts,
      checkedTransfers: audit.checkedTransfers,
    };
  }
}

function toBalance(account: AccountRow) {
  return {
    accountCode: account.code,
    type: account.type,
    debitsPendingMicros: microsToWire(account.debitsPending),
    debitsPostedMicros: microsToWire(account.debitsPosted),
    creditsPendingMicros: microsToWire(account.creditsPending),
    creditsPostedMicros: microsToWire(account.creditsPosted),
    balanceMicros: microsToWire(postedBalance(account.type, account.debitsPosted, account.creditsPosted)),
    availableMicros: microsToWire(availableBalance(account)),
  };
}

function toJournalEntry({ amount, ...row }: JournalRow) {
  return { ...row, amountMicros: microsToWire(amount) };
}
