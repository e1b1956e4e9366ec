import type { z } from 'zod';
import type { LedgerJournalEntry } from '@switchyard/contracts';

export type JournalEntry = z.output<typeof LedgerJournalEntry>;

export const JOURNAL_CSV_COLUMNS = [
  'transfer_id', 'created_at', 'journal_key', 'idempotency_key', 'kind', 'debit_account', 'credit_account',
  'amount_micros', 'currency', 'reason', 'pending_id', 'timeout_at', 'metadata',
] as const;

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs a cell as a formula. */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function journalCsvHeader(): string {
  return `${JOURNAL_CSV_COLUMNS.join(',')}\r\n`;
}

export function journalCsvLine(entry: JournalEntry): string {
  return `${[
    entry.transferId, entry.createdAt, entry.journalKey, entry.idempotencyKey, entry.kind, entry.debitAccountCode, entry.creditAccountCode,
    entry.amountMicros, entry.currency, entry.reason, entry.pendingId, entry.timeoutAt, JSON.stringify(entry.metadata),
  ].map(csvCell).join(',')}\r\n`;
}

export function journalJsonLine(entry: JournalEntry): string {
  return `${JSON.stringify(entry)}\n`;
}
