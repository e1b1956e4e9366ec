import { z } from 'zod';
import { defineCommand } from '../define-contract';
import { IsoTimestamp } from '../primitives';
import { AccountCode } from './ledger-commands';

/**
 * A transfer id used as a keyset cursor (exclusive). Ids are taken before commit, so a page read while a
 * transaction is still committing may miss its row; page over data older than a second for exact exports.
 */
const Cursor = z.string().regex(/^\d{1,19}$/, 'a transfer id');
const AccountType = z.enum(['asset', 'liability', 'equity', 'revenue', 'expense']);

/**
 * Balances in the account's normal direction: credits − debits for liability, equity and revenue accounts,
 * debits − credits for asset and expense accounts.
 */
export const LedgerAccountBalance = z.object({
  accountCode: z.string(),
  type: AccountType,
  debitsPendingMicros: z.string(),
  debitsPostedMicros: z.string(),
  creditsPendingMicros: z.string(),
  creditsPostedMicros: z.string(),
  balanceMicros: z.string(),
  availableMicros: z.string(),
});

/** Balances of any accounts: by exact codes, or every account whose code starts with a prefix (paginated by code). */
export const LedgerAccountsList = defineCommand({
  subject: 'ledger.accounts.list',
  request: z.object({
    codes: z.array(AccountCode).min(1).max(100).optional(),
    codePrefix: z.string().max(200).optional(),
    afterCode: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  response: z.object({ accounts: z.array(LedgerAccountBalance), nextAfterCode: z.string().nullable() }),
});

export const LedgerStatementLine = z.object({
  transferId: z.string(),
  createdAt: z.string(),
  kind: z.enum(['single', 'pending', 'post', 'void', 'expire']),
  direction: z.enum(['debit', 'credit']),
  counterpartyCode: z.string(),
  amountMicros: z.string(),
  reason: z.string(),
  idempotencyKey: z.string(),
  journalKey: z.string(),
  pendingId: z.string().nullable(),
  /** Posted balance after this line (pending, void and expire lines leave it unchanged). */
  balanceMicros: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

/** An account's transfers oldest first, with the running posted balance; page with `afterTransferId`. */
export const LedgerStatementGet = defineCommand({
  subject: 'ledger.statement.get',
  request: z.object({ accountCode: AccountCode, afterTransferId: Cursor.optional(), limit: z.number().int().min(1).max(500).default(100) }),
  response: z.object({
    accountCode: z.string(),
    type: AccountType,
    openingBalanceMicros: z.string(),
    lines: z.array(LedgerStatementLine),
    nextAfterTransferId: z.string().nullable(),
  }),
});

/** Every account's posted debits and credits as of a moment, all read in one snapshot. */
export const LedgerTrialBalanceGet = defineCommand({
  subject: 'ledger.trialbalance.get',
  request: z.object({ asOf: IsoTimestamp.optional() }),
  response: z.object({
    asOf: z.string(),
    accounts: z.array(z.object({ accountCode: z.string(), type: AccountType, debitsPostedMicros: z.string(), creditsPostedMicros: z.string(), balanceMicros: z.string() })),
    totals: z.object({ debitsPostedMicros: z.string(), creditsPostedMicros: z.string() }),
    balanced: z.boolean(),
  }),
});

export const LedgerJournalEntry = z.object({
  transferId: z.string(),
  createdAt: z.string(),
  journalKey: z.string(),
  idempotencyKey: z.string(),
  kind: z.enum(['single', 'pending', 'post', 'void', 'expire']),
  debitAccountCode: z.string(),
  creditAccountCode: z.string(),
  amountMicros: z.string(),
  currency: z.string(),
  reason: z.string(),
  pendingId: z.string().nullable(),
  timeoutAt: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});

/** One page of the journal in [from, to), by transfer id; the caller pages until `nextAfterTransferId` is null. */
export const LedgerJournalExport = defineCommand({
  subject: 'ledger.journal.export',
  request: z.object({ from: IsoTimestamp, to: IsoTimestamp, afterTransferId: Cursor.optional(), limit: z.number().int().min(1).max(1_000).default(500) }),
  response: z.object({ entries: z.array(LedgerJournalEntry), nextAfterTransferId: z.string().nullable() }),
});

export const LedgerAuditMismatch = z.object({
  accountCode: z.string(),
  field: z.enum(['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted']),
  cachedMicros: z.string(),
  recomputedMicros: z.string(),
});

/**
 * Recomputes every account's counters from the transfers and compares them with the cached ones.
 * `sumMicros` is Σ (debits − credits) over all accounts' cached counters, posted and pending: 0 when balanced.
 */
export const LedgerAuditRun = defineCommand({
  subject: 'ledger.audit.run',
  request: z.object({}),
  response: z.object({
    balanced: z.boolean(),
    sumMicros: z.string(),
    postedSumMicros: z.string(),
    pendingSumMicros: z.string(),
    mismatches: z.array(LedgerAuditMismatch),
    overdrawnAccounts: z.array(z.string()),
    holdsResolvedMoreThanOnce: z.number().int(),
    holdsPastTimeout: z.number().int(),
    checkedAccounts: z.number().int(),
    checkedTransfers: z.number().int(),
  }),
});
