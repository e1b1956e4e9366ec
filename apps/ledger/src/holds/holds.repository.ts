import { Injectable } from '@nestjs/common';
import { LedgerSqlClient } from '../database/ledger-sql.client';

export type HoldStatus = 'posted' | 'voided' | 'expired';

export interface HoldPlaced {
  amount: bigint;
  available: bigint;
}

export interface HoldCaptured {
  status: HoldStatus;
  captured: bigint;
  released: bigint;
  overage: bigint;
  unbilled: bigint;
}

export interface HoldReleased {
  status: HoldStatus;
  released: bigint;
}

export interface PlaceHoldInput {
  holdId: string;
  workspaceId: string;
  amount: bigint;
  minAmount?: bigint;
  timeoutMs: number;
  metadata: Record<string, unknown>;
}

@Injectable()
export class HoldsRepository {
  constructor(private readonly sql: LedgerSqlClient) {}

  async place(input: PlaceHoldInput): Promise<HoldPlaced> {
    const [row] = await this.sql.query<{ out_amount: string; out_available: string }>(
      'SELECT out_amount, out_available FROM ledger.create_hold($1, $2::uuid, $3::bigint, $4::bigint, $5::bigint, $6::jsonb)',
      [input.holdId, input.workspaceId, input.amount.toString(), input.minAmount?.toString() ?? null, input.timeoutMs, JSON.stringify(input.metadata)],
    );
    return { amount: BigInt(row!.out_amount), available: BigInt(row!.out_available) };
  }

  async capture(holdId: string, amount: bigint, metadata: Record<string, unknown>): Promise<HoldCaptured> {
    const [row] = await this.sql.query<{ out_status: HoldStatus; out_captured: string; out_released: string; out_overage: string; out_unbilled: string }>(
      'SELECT out_status, out_captured, out_released, out_overage, out_unbilled FROM ledger.capture_hold($1, $2::bigint, $3::jsonb)',
      [holdId, amount.toString(), JSON.stringify(metadata)],
    );
    return {
      status: row!.out_status,
      captured: BigInt(row!.out_captured),
      released: BigInt(row!.out_released),
      overage: BigInt(row!.out_overage),
      unbilled: BigInt(row!.out_unbilled),
    };
  }

  async release(holdId: string, reason: string): Promise<HoldReleased> {
    const [row] = await this.sql.query<{ out_status: HoldStatus; out_released: string }>(
      'SELECT out_status, out_released FROM ledger.release_hold($1, $2)',
      [holdId, reason],
    );
    return { status: row!.out_status, released: BigInt(row!.out_released) };
  }

  /** Expires up to `limit` due holds in one transaction; returns how many it expired. */
  async expireDue(limit: number): Promise<number> {
    const [row] = await this.sql.query<{ expired: number }>('SELECT ledger.expire_due_holds($1) AS expired', [limit]);
    return Number(row?.expired ?? 0);
  }
}
