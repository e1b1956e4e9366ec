import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CreditRow {
  id: string;
  workspaceId: string;
  chainId: number;
  grossMicros: bigint;
  feeMicros: bigint;
  netMicros: bigint;
  journalKey: string;
  depositCount: number;
}

export interface NewCredit {
  grossBaseUnits: bigint;
  feeBaseUnits: bigint;
  grossMicros: bigint;
  feeMicros: bigint;
  netMicros: bigint;
}

/** chain.deposit_credits: which final deposits one ledger business event books, and whether it is booked. */
@Injectable()
export class FundingCreditsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Under a per-workspace lock: gathers the workspace's final, uncredited deposits; when `decide` says their total
   * is due, writes one credit over all of them (id = the earliest deposit's key, so it is unique and stable).
   */
  async settle(workspaceId: string, decide: (totalBaseUnits: bigint) => NewCredit | undefined): Promise<CreditRow | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM chain.deposit_addresses WHERE workspace_id = $1 FOR UPDATE`, [workspaceId]);
      const deposits = (await manager.query(
        `SELECT chain_id::int AS chain_id, tx_hash, log_index, amount_base_units::text AS amount FROM chain.deposits
         WHERE workspace_id = $1 AND status = 'confirmed' AND credit_id IS NULL ORDER BY block_number, log_index FOR UPDATE`,
        [workspaceId],
      )) as Array<{ chain_id: number; tx_hash: string; log_index: number; amount: string }>;
      if (deposits.length === 0) return undefined;
      const total = deposits.reduce((sum, d) => sum + BigInt(d.amount), 0n);
      const credit = decide(total);
      if (!credit) return undefined;
      const first = deposits[0];
      const id = `${first.chain_id}:${first.tx_hash}:${first.log_index}`;
      const journalKey = `deposit:${id}`;
      await manager.query(
        `INSERT INTO chain.deposit_credits (id, workspace_id, chain_id, gross_base_units, fee_base_units, gross_micros, fee_micros, net_micros, journal_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, workspaceId, first.chain_id, credit.grossBaseUnits.toString(), credit.feeBaseUnits.toString(), credit.grossMicros.toString(), credit.feeMicros.toString(), credit.netMicros.toString(), journalKey],
      );
      await manager.query(
        `UPDATE chain.deposits SET credit_id = $1, updated_at = now()
         WHERE workspace_id = $2 AND status = 'confirmed' AND credit_id IS NULL AND (chain_id::int, tx_hash, log_index) IN (SELECT * FROM unnest($3::int[], $4::text[], $5::int[]))`,
        [id, workspaceId, deposits.map((d) => d.chain_id), deposits.map((d) => d.tx_hash), deposits.map((d) => d.log_index)],
      );
      return { id, workspaceId, chainId: first.chain_id, grossMicros: credit.grossMicros, feeMicros: credit.feeMicros, netMicros: credit.netMicros, journalKey, depositCount: deposits.length };
    });
  }

  async unbooked(options: { workspaceId?: string; limit: number }): Promise<CreditRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.id, c.workspace_id, c.chain_id::int AS chain_id, c.gross_micros::text AS gross, c.fee_micros::text AS fee, c.net_micros::text AS net, c.journal_key,
              (SELECT count(*)::int FROM chain.deposits d WHERE d.credit_id = c.id) AS deposit_count
       FROM chain.deposit_credits c WHERE c.booked_at IS NULL AND ($1::uuid IS NULL OR c.workspace_id = $1) ORDER BY c.created_at LIMIT $2`,
      [options.workspaceId ?? null, options.limit],
    )) as Array<{ id: string; workspace_id: string; chain_id: number; gross: string; fee: string; net: string; journal_key: string; deposit_count: number }>;
    return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, chainId: r.chain_id, grossMicros: BigInt(r.gross), feeMicros: BigInt(r.fee), netMicros: BigInt(r.net), journalKey: r.journal_key, depositCount: r.deposit_count }));
  }

  async markBooked(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE chain.deposit_credits SET booked_at = now() WHERE id = $1 AND booked_at IS NULL`, [id]);
  }
}
