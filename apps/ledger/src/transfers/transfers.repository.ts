import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { TransferInputSchema } from '@switchyard/contracts';
import { LedgerSqlClient } from '../database/ledger-sql.client';

export type TransferInput = z.output<typeof TransferInputSchema>;

export interface TransferOutcome {
  idempotencyKey: string;
  transferId: string;
  status: 'created' | 'exists';
}

@Injectable()
export class TransfersRepository {
  constructor(private readonly sql: LedgerSqlClient) {}

  /** All legs in one statement, so one transaction: every leg is written or none is. */
  async createBatch(journalKey: string, transfers: TransferInput[]): Promise<TransferOutcome[]> {
    const legs = transfers.map((t) => ({
      idempotencyKey: t.idempotencyKey,
      debitAccount: t.debitAccount,
      creditAccount: t.creditAccount,
      amountMicros: t.amountMicros.toString(),
      reason: t.reason,
      metadata: t.metadata,
    }));
    const rows = await this.sql.query<{ out_key: string; out_transfer_id: string; out_result: 'created' | 'exists' }>(
      'SELECT out_key, out_transfer_id, out_result FROM ledger.create_transfers($1, $2::jsonb)',
      [journalKey, JSON.stringify(legs)],
    );
    return rows.map((row) => ({ idempotencyKey: row.out_key, transferId: String(row.out_transfer_id), status: row.out_result }));
  }
}
