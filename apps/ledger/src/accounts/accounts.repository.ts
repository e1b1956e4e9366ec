import { Injectable } from '@nestjs/common';
import { workspaceCreditAccount, workspaceReceivableAccount } from '@switchyard/contracts';
import { LedgerSqlClient } from '../database/ledger-sql.client';

export interface AccountCounters {
  code: string;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

interface CountersRow {
  code: string;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly sql: LedgerSqlClient) {}

  /** Opens the workspace's credit (no overdraft) and receivable accounts; a repeat changes nothing. */
  async openWorkspace(workspaceId: string): Promise<string[]> {
    const credit = workspaceCreditAccount(workspaceId);
    const receivable = workspaceReceivableAccount(workspaceId);
    await this.sql.query(
      `INSERT INTO ledger.accounts (code, type, workspace_id, debits_must_not_exceed_credits)
       VALUES ($1, 'liability', $3, true), ($2, 'asset', $3, false)
       ON CONFLICT (code) DO NOTHING`,
      [credit, receivable, workspaceId],
    );
    return [credit, receivable];
  }

  /** An asset account holding on-chain funds (idempotent). */
  async openAssetAccount(code: string): Promise<void> {
    await this.sql.query(`INSERT INTO ledger.accounts (code, type) VALUES ($1, 'asset') ON CONFLICT (code) DO NOTHING`, [code]);
  }

  async findCounters(code: string): Promise<AccountCounters | undefined> {
    const rows = await this.sql.query<CountersRow>(
      'SELECT code, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger.accounts WHERE code = $1',
      [code],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      code: row.code,
      debitsPending: BigInt(row.debits_pending),
      debitsPosted: BigInt(row.debits_posted),
      creditsPending: BigInt(row.credits_pending),
      creditsPosted: BigInt(row.credits_posted),
    };
  }
}
