import { Injectable } from '@nestjs/common';
import { LedgerSqlClient } from '../database/ledger-sql.client';
import { accountCodesReportedAs, reportedCodeSql } from './sharded-accounts';

export interface AuditSnapshot {
  postedDebitsMinusCredits: bigint;
  pendingDebitsMinusCredits: bigint;
  mismatchedAccounts: string[];
  overdrawnAccounts: string[];
  holdsPastTimeout: number;
}

export interface TrialBalanceLine {
  type: string;
  debitsPosted: bigint;
  creditsPosted: bigint;
}

export interface StatementLine {
  transferId: string;
  idempotencyKey: string;
  journalKey: string;
  kind: string;
  direction: 'debit' | 'credit';
  counterpartyCode: string;
  amount: bigint;
  reason: string;
  pendingId: string | null;
  timeoutAt: string | null;
  createdAt: string;
  metadata: Record<string, unknown>;
}

// cached counters vs the journal (§2.8 of the ledger note): must return no rows
const MISMATCHED_ACCOUNTS_SQL = `
WITH posted AS (
  SELECT debit_account_id AS acc, amount AS dr, 0::bigint AS cr FROM ledger.transfers WHERE kind IN ('single', 'post')
  UNION ALL
  SELECT credit_account_id, 0, amount FROM ledger.transfers WHERE kind IN ('single', 'post')
), open_pending AS (
  SELECT p.debit_account_id, p.credit_account_id, p.amount FROM ledger.transfers p
   WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger.transfers r WHERE r.pending_id = p.id)
), agg AS (
  SELECT acc, SUM(dr) AS dr, SUM(cr) AS cr FROM posted GROUP BY acc
)
SELECT a.code
  FROM ledger.accounts a LEFT JOIN agg ON agg.acc = a.id
 WHERE a.debits_posted <> COALESCE(agg.dr, 0)
    OR a.credits_posted <> COALESCE(agg.cr, 0)
    OR a.debits_pending <> COALESCE((SELECT SUM(amount) FROM open_pending WHERE debit_account_id = a.id), 0)
    OR a.credits_pending <> COALESCE((SELECT SUM(amount) FROM open_pending WHERE credit_account_id = a.id), 0)
 ORDER BY a.code`;

@Injectable()
export class ReportsRepository {
  constructor(private readonly sql: LedgerSqlClient) {}

  /** Every figure from one REPEATABLE READ snapshot, so a concurrent commit cannot fake an imbalance. */
  async audit(): Promise<AuditSnapshot> {
    return this.sql.snapshot(async (query) => {
      const [sums] = await query<{ posted: string; pending: string }>(
        `SELECT COALESCE(SUM(debits_posted - credits_posted), 0)::text AS posted,
                COALESCE(SUM(debits_pending - credits_pending), 0)::text AS pending FROM ledger.accounts`,
      );
      const mismatched = await query<{ code: string }>(MISMATCHED_ACCOUNTS_SQL);
      const overdrawn = await query<{ code: string }>(
        `SELECT code FROM ledger.accounts
          WHERE (debits_must_not_exceed_credits AND debits_pending + debits_posted > credits_posted)
             OR (credits_must_not_exceed_debits AND credits_pending + credits_posted > debits_posted)
          ORDER BY code`,
      );
      const [past] = await query<{ count: string }>('SELECT count(*)::text AS count FROM ledger.pending_open WHERE timeout_at < now()');
      return {
        postedDebitsMinusCredits: BigInt(sums!.posted),
        pendingDebitsMinusCredits: BigInt(sums!.pending),
        mismatchedAccounts: mismatched.map((r) => r.code),
        overdrawnAccounts: overdrawn.map((r) => r.code),
        holdsPastTimeout: Number(past!.count),
      };
    });
  }

  async trialBalance(): Promise<TrialBalanceLine[]> {
    return this.sql.snapshot(async (query) => {
      const rows = await query<{ type: string; dr: string; cr: string }>(
        'SELECT type::text AS type, SUM(debits_posted)::text AS dr, SUM(credits_posted)::text AS cr FROM ledger.accounts GROUP BY type ORDER BY type',
      );
      return rows.map((r) => ({ type: r.type, debitsPosted: BigInt(r.dr), creditsPosted: BigInt(r.cr) }));
    });
  }

  async accountExists(code: string): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>('SELECT id FROM ledger.accounts WHERE code = $1', [code]);
    return rows.length > 0;
  }

  /** Newest first; resolutions of holds appear on both accounts like any transfer. */
  async statement(code: string, limit: number): Promise<StatementLine[]> {
    const rows = await this.sql.query<{
      id: string; idempotency_key: string; journal_key: string; kind: string; direction: 'debit' | 'credit'; counterparty: string;
      amount: string; reason: string; pending_id: string | null; timeout_at: Date | null; created_at: Date; user_data: Record<string, unknown>;
    }>(
      `SELECT t.id, t.idempotency_key, t.journal_key, t.kind::text AS kind,
              CASE WHEN t.debit_account_id = a.id THEN 'debit' ELSE 'credit' END AS direction,
              ${reportedCodeSql('o.code')} AS counterparty, t.amount, t.reason, t.pending_id, t.timeout_at, t.created_at, t.user_data
         FROM ledger.accounts a
         JOIN ledger.transfers t ON t.debit_account_id = a.id OR t.credit_account_id = a.id
         JOIN ledger.accounts o ON o.id = CASE WHEN t.debit_account_id = a.id THEN t.credit_account_id ELSE t.debit_account_id END
        WHERE a.code = ANY ($1)
        ORDER BY t.id DESC
        LIMIT $2`,
      [accountCodesReportedAs(code), limit],
    );
    return rows.map((r) => ({
      transferId: String(r.id),
      idempotencyKey: r.idempotency_key,
      journalKey: r.journal_key,
      kind: r.kind,
      direction: r.direction,
      counterpartyCode: r.counterparty,
      amount: BigInt(r.amount),
      reason: r.reason,
      pendingId: r.pending_id === null ? null : String(r.pending_id),
      timeoutAt: r.timeout_at ? r.timeout_at.toISOString() : null,
      createdAt: r.created_at.toISOString(),
      metadata: r.user_data,
    }));
  }
}
