import { Injectable } from '@nestjs/common';
import { LedgerSqlClient, type SnapshotQuery } from '../database/ledger-sql.client';
import { accountCodesReportedAs, reportedCodeSql } from './sharded-accounts';

export type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';
export type TransferKind = 'single' | 'pending' | 'post' | 'void' | 'expire';
export type CounterField = 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted';

export interface AccountRow {
  code: string;
  type: AccountType;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export interface JournalRow {
  transferId: string;
  createdAt: string;
  journalKey: string;
  idempotencyKey: string;
  kind: TransferKind;
  debitAccountCode: string;
  creditAccountCode: string;
  amount: bigint;
  currency: string;
  reason: string;
  pendingId: string | null;
  timeoutAt: string | null;
  metadata: Record<string, unknown>;
}

export interface StatementPage {
  account: { type: AccountType };
  openingDebits: bigint;
  openingCredits: bigint;
  rows: JournalRow[];
}

export interface AuditRecompute {
  postedSum: bigint;
  pendingSum: bigint;
  mismatches: Array<{ accountCode: string; field: CounterField; cached: bigint; recomputed: bigint }>;
  overdrawnAccounts: string[];
  holdsResolvedMoreThanOnce: number;
  holdsPastTimeout: number;
  checkedAccounts: number;
  checkedTransfers: number;
}

interface CountersRow {
  code: string;
  type: AccountType;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
}

const JOURNAL_COLUMNS = `t.id::text AS id, t.created_at, t.journal_key, t.idempotency_key, t.kind::text AS kind, ${reportedCodeSql('d.code')} AS debit_code,
  ${reportedCodeSql('c.code')} AS credit_code,
  t.amount::text AS amount, t.currency, t.reason, t.pending_id::text AS pending_id, t.timeout_at, t.user_data`;

interface JournalSqlRow {
  id: string;
  created_at: Date;
  journal_key: string;
  idempotency_key: string;
  kind: TransferKind;
  debit_code: string;
  credit_code: string;
  amount: string;
  currency: string;
  reason: string;
  pending_id: string | null;
  timeout_at: Date | null;
  user_data: Record<string, unknown>;
}

// the cached counters against sums recomputed from the journal; only accounts that differ come back
const RECOMPUTE_SQL = `
WITH legs AS (
  SELECT p.debit_account_id, p.credit_account_id,
         CASE WHEN p.kind IN ('single', 'post') THEN p.amount ELSE 0 END AS posted,
         CASE WHEN p.kind = 'pending' AND r.id IS NULL THEN p.amount ELSE 0 END AS pending
    FROM ledger.transfers p LEFT JOIN ledger.transfers r ON p.kind = 'pending' AND r.pending_id = p.id
), per_side AS (
  SELECT debit_account_id AS account_id, SUM(posted) AS dr_posted, SUM(pending) AS dr_pending, 0::numeric AS cr_posted, 0::numeric AS cr_pending FROM legs GROUP BY 1
  UNION ALL
  SELECT credit_account_id, 0, 0, SUM(posted), SUM(pending) FROM legs GROUP BY 1
), recomputed AS (
  SELECT account_id, SUM(dr_posted) AS dr_posted, SUM(dr_pending) AS dr_pending, SUM(cr_posted) AS cr_posted, SUM(cr_pending) AS cr_pending FROM per_side GROUP BY 1
)
SELECT a.code,
       a.debits_pending::text AS debits_pending, COALESCE(r.dr_pending, 0)::text AS r_debits_pending,
       a.debits_posted::text AS debits_posted, COALESCE(r.dr_posted, 0)::text AS r_debits_posted,
       a.credits_pending::text AS credits_pending, COALESCE(r.cr_pending, 0)::text AS r_credits_pending,
       a.credits_posted::text AS credits_posted, COALESCE(r.cr_posted, 0)::text AS r_credits_posted
  FROM ledger.accounts a LEFT JOIN recomputed r ON r.account_id = a.id
 WHERE a.debits_pending <> COALESCE(r.dr_pending, 0) OR a.debits_posted <> COALESCE(r.dr_posted, 0)
    OR a.credits_pending <> COALESCE(r.cr_pending, 0) OR a.credits_posted <> COALESCE(r.cr_posted, 0)
 ORDER BY a.code`;

const COUNTER_FIELDS: CounterField[] = ['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted'];

/** The finance read side: every multi-query read runs in one REPEATABLE READ snapshot. */
@Injectable()
export class FinanceRepository {
  constructor(private readonly sql: LedgerSqlClient) {}

  async listAccounts(filter: { codes?: string[]; codePrefix?: string; afterCode?: string; limit: number }): Promise<AccountRow[]> {
    // the accounts are read by their own codes, then summed under the codes they report as (shards under their base)
    const rows = await this.sql.query<CountersRow>(
      `SELECT code, min(type) AS type, SUM(debits_pending)::text AS debits_pending, SUM(debits_posted)::text AS debits_posted,
              SUM(credits_pending)::text AS credits_pending, SUM(credits_posted)::text AS credits_posted
         FROM (SELECT ${reportedCodeSql('code')} AS code, type::text AS type, debits_pending, debits_posted, credits_pending, credits_posted
                 FROM ledger.accounts
                WHERE ($1::text[] IS NULL OR code = ANY ($1)) AND ($2::text IS NULL OR starts_with(code, $2)) AND ($3::text IS NULL OR code > $3)) a
        WHERE $3::text IS NULL OR code > $3
        GROUP BY code ORDER BY code LIMIT $4`,
      [filter.codes?.flatMap(accountCodesReportedAs) ?? null, filter.codePrefix ?? null, filter.afterCode ?? null, filter.limit],
    );
    return rows.map(toAccountRow);
  }

  async statementPage(code: string, afterTransferId: string, limit: number): Promise<StatementPage | undefined> {
    return this.sql.snapshot(async (query) => {
      // the account and, for a sharded system account, its shards (no transfer moves money between two of them)
      const [account] = await query<{ ids: string[] | null; type: AccountType }>(
        'SELECT array_agg(id::text) AS ids, min(type::text) AS type FROM ledger.accounts WHERE code = ANY ($1)',
        [accountCodesReportedAs(code)],
      );
      if (!account?.ids) return undefined;
      const [opening] = await query<{ dr: string; cr: string }>(
        `SELECT COALESCE(SUM(amount) FILTER (WHERE debit_account_id = ANY ($1)), 0)::text AS dr,
                COALESCE(SUM(amount) FILTER (WHERE credit_account_id = ANY ($1)), 0)::text AS cr
           FROM ledger.transfers WHERE (debit_account_id = ANY ($1) OR credit_account_id = ANY ($1)) AND kind IN ('single', 'post') AND id <= $2`,
        [account.ids, afterTransferId],
      );
      // index range scans per account and side, merged, instead of an OR that sorts the whole account
      const rows = await query<JournalSqlRow>(
        `SELECT ${JOURNAL_COLUMNS} FROM (
            SELECT s.* FROM unnest($1::bigint[]) AS x (id),
              LATERAL ((SELECT * FROM ledger.transfers WHERE debit_account_id = x.id AND id > $2 ORDER BY id LIMIT $3)
                       UNION ALL
                       (SELECT * FROM ledger.transfers WHERE credit_account_id = x.id AND id > $2 ORDER BY id LIMIT $3)) s
          ) t
          JOIN ledger.accounts d ON d.id = t.debit_account_id JOIN ledger.accounts c ON c.id = t.credit_account_id
         ORDER BY t.id LIMIT $3`,
        [account.ids, afterTransferId, limit],
      );
      return { account: { type: account.type }, openingDebits: BigInt(opening!.dr), openingCredits: BigInt(opening!.cr), rows: rows.map(toJournalRow) };
    });
  }

  /** Posted counters of every account that existed at `asOf` (default: the snapshot's own now()), from the journal. */
  async trialBalance(asOf: string | undefined): Promise<{ asOf: string; accounts: AccountRow[] }> {
    return this.sql.snapshot(async (query: SnapshotQuery) => {
      const [moment] = await query<{ as_of: Date }>('SELECT COALESCE($1::timestamptz, now()) AS as_of', [asOf ?? null]);
      // timestamps leave as milliseconds: "as of" a returned createdAt must include that transfer
      const rows = await query<CountersRow>(
        `WITH moves AS (
           SELECT debit_account_id AS account_id, amount AS dr, 0::bigint AS cr FROM ledger.transfers
            WHERE kind IN ('single', 'post') AND created_at < $1::timestamptz + interval '1 millisecond'
           UNION ALL
           SELECT credit_account_id, 0, amount FROM ledger.transfers
            WHERE kind IN ('single', 'post') AND created_at < $1::timestamptz + interval '1 millisecond'
         )
         SELECT ${reportedCodeSql('a.code')} AS code, min(a.type::text) AS type, '0' AS debits_pending, COALESCE(SUM(m.dr), 0)::text AS debits_posted,
                '0' AS credits_pending, COALESCE(SUM(m.cr), 0)::text AS credits_posted
           FROM ledger.accounts a LEFT JOIN moves m ON m.account_id = a.id
          WHERE a.created_at < $1::timestamptz + interval '1 millisecond'
          GROUP BY 1 ORDER BY 1`,
        [moment!.as_of],
      );
      return { asOf: moment!.as_of.toISOString(), accounts: rows.map(toAccountRow) };
    });
  }

  async journalPage(from: string, to: string, afterTransferId: string, limit: number): Promise<JournalRow[]> {
    const rows = await this.sql.query<JournalSqlRow>(
      `SELECT ${JOURNAL_COLUMNS} FROM ledger.transfers t
         JOIN ledger.accounts d ON d.id = t.debit_account_id JOIN ledger.accounts c ON c.id = t.credit_account_id
        WHERE t.created_at >= $1 AND t.created_at < $2 AND t.id > $3
        ORDER BY t.id LIMIT $4`,
      [from, to, afterTransferId, limit],
    );
    return rows.map(toJournalRow);
  }

  async recompute(): Promise<AuditRecompute> {
    return this.sql.snapshot(async (query) => {
      const [sums] = await query<{ posted: string; pending: string; accounts: string }>(
        `SELECT COALESCE(SUM(debits_posted - credits_posted), 0)::text AS posted,
                COALESCE(SUM(debits_pending - credits_pending), 0)::text AS pending, count(*)::text AS accounts FROM ledger.accounts`,
      );
      const differing = await query<Record<string, string>>(RECOMPUTE_SQL);
      const overdrawn = await query<{ code: string }>(
        `SELECT code FROM ledger.accounts
          WHERE (debits_must_not_exceed_credits AND debits_pending + debits_posted > credits_posted)
             OR (credits_must_not_exceed_debits AND credits_pending + credits_posted > debits_posted)
          ORDER BY code`,
      );
      const [counts] = await query<{ transfers: string; twice: string; past: string }>(
        `SELECT (SELECT count(*) FROM ledger.transfers)::text AS transfers,
                (SELECT count(*) FROM (SELECT pending_id FROM ledger.transfers WHERE pending_id IS NOT NULL GROUP BY pending_id HAVING count(*) > 1) x)::text AS twice,
                (SELECT count(*) FROM ledger.pending_open WHERE timeout_at < now())::text AS past`,
      );
      const mismatches = differing.flatMap((row) =>
        COUNTER_FIELDS.filter((field) => row[field] !== row[`r_${field}`]).map((field) => ({
          accountCode: row.code!,
          field,
          cached: BigInt(row[field]!),
          recomputed: BigInt(row[`r_${field}`]!),
        })),
      );
      return {
        postedSum: BigInt(sums!.posted),
        pendingSum: BigInt(sums!.pending),
        mismatches,
        overdrawnAccounts: overdrawn.map((r) => r.code),
        holdsResolvedMoreThanOnce: Number(counts!.twice),
        holdsPastTimeout: Number(counts!.past),
        checkedAccounts: Number(sums!.accounts),
        checkedTransfers: Number(counts!.transfers),
      };
    });
  }
}

function toAccountRow(row: CountersRow): AccountRow {
  return {
    code: row.code,
    type: row.type,
    debitsPending: BigInt(row.debits_pending),
    debitsPosted: BigInt(row.debits_posted),
    creditsPending: BigInt(row.credits_pending),
    creditsPosted: BigInt(row.credits_posted),
  };
}

function toJournalRow(row: JournalSqlRow): JournalRow {
  return {
    transferId: row.id,
    createdAt: row.created_at.toISOString(),
    journalKey: row.journal_key,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    debitAccountCode: row.debit_code,
    creditAccountCode: row.credit_code,
    amount: BigInt(row.amount),
    currency: row.currency,
    reason: row.reason,
    pendingId: row.pending_id,
    timeoutAt: row.timeout_at ? row.timeout_at.toISOString() : null,
    metadata: row.user_data,
  };
}
