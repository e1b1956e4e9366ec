import { Injectable } from '@nestjs/common';
import { ChainDepositConfirmed, depositKey, type EventPayload } from '@switchyard/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { TokenTransfer } from '../follower/chain.reader';

export interface OwnedTransfer extends TokenTransfer {
  workspaceId: string;
}

export interface DepositAssetInfo {
  chainId: number;
  token: string;
  symbol: string;
  decimals: number;
}

export interface DepositRow {
  chainId: number;
  txHash: string;
  logIndex: number;
  workspaceId: string;
  fromAddress: string;
  toAddress: string;
  amountBaseUnits: bigint;
  blockNumber: bigint;
  status: 'pending' | 'confirmed' | 'dropped';
  seenAt: string;
  confirmedAt: string | null;
  credit: { id: string; grossMicros: bigint; feeMicros: bigint; netMicros: bigint; bookedAt: string | null } | null;
}

export interface OutboxRow {
  id: string;
  subject: string;
  messageId: string;
  payload: unknown;
}

interface RawDeposit {
  chain_id: string;
  tx_hash: string;
  log_index: number;
  workspace_id: string;
  from_address: string;
  to_address: string;
  amount_base_units: string;
  block_number: string;
  status: DepositRow['status'];
  seen_at: Date;
  confirmed_at: Date | null;
  credit_id: string | null;
  gross_micros: string | null;
  fee_micros: string | null;
  net_micros: string | null;
  booked_at: Date | null;
}

const upsertColumns = `(chain_id, tx_hash, log_index, workspace_id, token, from_address, to_address, amount_base_units, block_number, block_hash, status, confirmed_at)`;

/**
 * chain.deposits and chain.outbox. A log becomes `confirmed` at most once (the upsert only changes rows that are
 * not confirmed yet), and the same statement's transaction writes its chain.deposit.confirmed outbox row.
 */
@Injectable()
export class DepositsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records final Transfer logs; with `scanned`, also drops pending rows of that block range that did not turn
   * out final (reorged away) and advances the scan cursor — all in one transaction.
   * Returns how many logs became confirmed now.
   */
  async recordFinal(asset: DepositAssetInfo, transfers: OwnedTransfer[], scanned?: { fromBlock: bigint; toBlock: bigint }): Promise<{ confirmed: number; dropped: number }> {
    return this.dataSource.transaction(async (manager) => {
      let confirmed = 0;
      for (const t of transfers) {
        const rows = (await manager.query(
          `INSERT INTO chain.deposits ${upsertColumns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'confirmed', now())
           ON CONFLICT (chain_id, tx_hash, log_index) DO UPDATE SET status = 'confirmed', confirmed_at = now(), updated_at = now(),
             block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash
           WHERE chain.deposits.status <> 'confirmed'
           RETURNING confirmed_at`,
          this.values(asset, t),
        )) as Array<{ confirmed_at: Date }>;
        if (rows.length === 0) continue;
        confirmed += 1;
        await this.enqueueConfirmed(manager, asset, t, rows[0].confirmed_at);
      }
      let dropped = 0;
      if (scanned) {
        dropped = await this.dropUnseen(manager, asset.chainId, transfers, scanned.fromBlock, scanned.toBlock);
        await manager.query(`UPDATE chain.follower_cursors SET scanned_block = $2, updated_at = now() WHERE chain_id = $1`, [asset.chainId, scanned.toBlock.toString()]);
      }
      return { confirmed, dropped };
    });
  }

  /**
   * Records not-yet-final logs. With `dropFrom` (the follower's scan of [dropFrom, head]), pending rows from that
   * block on that were not seen again are dropped: a reorg took them off the canonical chain.
   */
  async recordPending(asset: DepositAssetInfo, transfers: OwnedTransfer[], dropFrom: bigint | undefined): Promise<{ dropped: number }> {
    return this.dataSource.transaction(async (manager) => {
      for (const t of transfers) {
        await manager.query(
          `INSERT INTO chain.deposits ${upsertColumns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', NULL)
           ON CONFLICT (chain_id, tx_hash, log_index) DO UPDATE SET status = 'pending', updated_at = now(),
             block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash
           WHERE chain.deposits.status <> 'confirmed'`,
          this.values(asset, t),
        );
      }
      return { dropped: dropFrom === undefined ? 0 : await this.dropUnseen(manager, asset.chainId, transfers, dropFrom, undefined) };
    });
  }

  private async dropUnseen(manager: EntityManager, chainId: number, seen: TokenTransfer[], fromBlock: bigint, toBlock: bigint | undefined): Promise<number> {
    const keys = seen.map((t) => `${t.txHash.toLowerCase()}:${t.logIndex}`);
    const rows = (await manager.query(
      `UPDATE chain.deposits SET status = 'dropped', updated_at = now()
       WHERE chain_id = $1 AND status = 'pending' AND block_number >= $2 AND ($3::bigint IS NULL OR block_number <= $3)
         AND NOT (tx_hash || ':' || log_index = ANY ($4::text[]))
       RETURNING tx_hash`,
      [chainId, fromBlock.toString(), toBlock === undefined ? null : toBlock.toString(), keys],
    )) as unknown[];
    // node-postgres returns [rows, count] for UPDATE … RETURNING through TypeORM
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
  }

  private values(asset: DepositAssetInfo, t: OwnedTransfer): unknown[] {
    return [asset.chainId, t.txHash.toLowerCase(), t.logIndex, t.workspaceId, asset.token.toLowerCase(), t.from.toLowerCase(), t.to.toLowerCase(), t.value.toString(), t.blockNumber.toString(), t.blockHash.toLowerCase()];
  }

  private async enqueueConfirmed(manager: EntityManager, asset: DepositAssetInfo, t: OwnedTransfer, confirmedAt: Date): Promise<void> {
    const payload: EventPayload<typeof ChainDepositConfirmed> = {
      chainId: asset.chainId,
      txHash: t.txHash.toLowerCase(),
      logIndex: t.logIndex,
      blockNumber: t.blockNumber.toString(),
      blockHash: t.blockHash.toLowerCase(),
      token: asset.token,
      tokenSymbol: asset.symbol,
      tokenDecimals: asset.decimals,
      from: t.from,
      to: t.to,
      workspaceId: t.workspaceId,
      amountBaseUnits: t.value.toString(),
      confirmedAt: new Date(confirmedAt).toISOString(),
    };
    await manager.query(`INSERT INTO chain.outbox (subject, message_id, payload) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING`, [
      ChainDepositConfirmed.subject,
      depositKey(asset.chainId, t.txHash, t.logIndex),
      JSON.stringify(payload),
    ]);
  }

  async unpublished(limit: number): Promise<OutboxRow[]> {
    const rows = (await this.dataSource.query(`SELECT id::text AS id, subject, message_id, payload FROM chain.outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`, [limit])) as Array<{ id: string; subject: string; message_id: string; payload: unknown }>;
    return rows.map((r) => ({ id: r.id, subject: r.subject, messageId: r.message_id, payload: r.payload }));
  }

  async markPublished(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE chain.outbox SET published_at = now() WHERE id = $1`, [id]);
  }

  async find(chainId: number, txHash: string, logIndex: number): Promise<DepositRow | undefined> {
    const rows = await this.select(`d.chain_id = $1 AND d.tx_hash = $2 AND d.log_index = $3`, [chainId, txHash.toLowerCase(), logIndex], 1);
    return rows[0];
  }

  async listForWorkspace(workspaceId: string, limit: number): Promise<DepositRow[]> {
    return this.select(`d.workspace_id = $1`, [workspaceId], limit);
  }

  async listForTx(chainId: number, txHash: string, workspaceId: string): Promise<DepositRow[]> {
    return this.select(`d.chain_id = $1 AND d.tx_hash = $2 AND d.workspace_id = $3`, [chainId, txHash.toLowerCase(), workspaceId], 100);
  }

  /** Final deposits of a workspace that no credit booked yet (below the minimum so far), in base units. */
  async uncreditedBaseUnits(workspaceId: string): Promise<bigint> {
    const [row] = (await this.dataSource.query(`SELECT COALESCE(sum(amount_base_units), 0)::text AS total FROM chain.deposits WHERE workspace_id = $1 AND status = 'confirmed' AND credit_id IS NULL`, [workspaceId])) as Array<{ total: string }>;
    return BigInt(row.total);
  }

  private async select(where: string, params: unknown[], limit: number): Promise<DepositRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.chain_id::text AS chain_id, d.tx_hash, d.log_index, d.workspace_id, d.from_address, d.to_address, d.amount_base_units::text AS amount_base_units,
              d.block_number::text AS block_number, d.status, d.seen_at, d.confirmed_at, d.credit_id,
              c.gross_micros::text AS gross_micros, c.fee_micros::text AS fee_micros, c.net_micros::text AS net_micros, c.booked_at
       FROM chain.deposits d LEFT JOIN chain.deposit_credits c ON c.id = d.credit_id
       WHERE ${where} ORDER BY d.block_number DESC, d.log_index DESC LIMIT ${Math.max(1, Math.min(500, limit))}`,
      params,
    )) as RawDeposit[];
    return rows.map((r) => ({
      chainId: Number(r.chain_id),
      txHash: r.tx_hash,
      logIndex: r.log_index,
      workspaceId: r.workspace_id,
      fromAddress: r.from_address,
      toAddress: r.to_address,
      amountBaseUnits: BigInt(r.amount_base_units),
      blockNumber: BigInt(r.block_number),
      status: r.status,
      seenAt: new Date(r.seen_at).toISOString(),
      confirmedAt: r.confirmed_at ? new Date(r.confirmed_at).toISOString() : null,
      credit: r.credit_id
        ? { id: r.credit_id, grossMicros: BigInt(r.gross_micros ?? '0'), feeMicros: BigInt(r.fee_micros ?? '0'), netMicros: BigInt(r.net_micros ?? '0'), bookedAt: r.booked_at ? new Date(r.booked_at).toISOString() : null }
        : null,
    }));
  }
}
