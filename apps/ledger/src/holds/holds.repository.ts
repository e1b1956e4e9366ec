import { Injectable } from '@nestjs/common';
import { LedgerSqlClient } from '../database/ledger-sql.client';
import { HoldCommandBatcher } from './hold-command.batcher';

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

/** Holds go through the group-commit batcher; the sweeper's expiry is its own bounded transaction. */
@Injectable()
export class HoldsRepository {
  constructor(
    private readonly sql: LedgerSqlClient,
    private readonly batcher: HoldCommandBatcher,
  ) {}

  async place(input: PlaceHoldInput): Promise<HoldPlaced> {
    const row = await this.batcher.submit({
      op: 'create',
      holdId: input.holdId,
      workspaceId: input.workspaceId,
      amount: input.amount.toString(),
      minAmount: input.minAmount?.toString() ?? null,
      timeoutMs: input.timeoutMs,
      metadata: input.metadata,
    });
    return { amount: BigInt(row.amount!), available: BigInt(row.available!) };
  }

  async capture(holdId: string, amount: bigint, metadata: Record<string, unknown>): Promise<HoldCaptured> {
    const row = await this.batcher.submit({ op: 'capture', holdId, amount: amount.toString(), metadata });
    return {
      status: row.status as HoldStatus,
      captured: BigInt(row.captured!),
      released: BigInt(row.released!),
      overage: BigInt(row.overage!),
      unbilled: BigInt(row.unbilled!),
    };
  }

  async release(holdId: string, reason: string): Promise<HoldReleased> {
    const row = await this.batcher.submit({ op: 'release', holdId, reason });
    return { status: row.status as HoldStatus, released: BigInt(row.released!) };
  }

  /** Expires up to `limit` due holds in one transaction; returns how many it expired. */
  async expireDue(limit: number): Promise<number> {
    const [row] = await this.sql.query<{ expired: number }>('SELECT ledger.expire_due_holds($1) AS expired', [limit]);
    return Number(row?.expired ?? 0);
  }
}
