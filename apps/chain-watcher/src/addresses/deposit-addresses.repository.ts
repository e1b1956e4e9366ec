import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DepositAddressRow {
  workspaceId: string;
  address: string;
  derivationIndex: number;
}

/** chain.deposit_addresses: one address per workspace, at a unique derivation index; addresses stored lowercase. */
@Injectable()
export class DepositAddressesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(workspaceId: string): Promise<DepositAddressRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT workspace_id, address, derivation_index FROM chain.deposit_addresses WHERE workspace_id = $1`, [workspaceId])) as Array<{ workspace_id: string; address: string; derivation_index: number }>;
    return rows[0] && { workspaceId: rows[0].workspace_id, address: rows[0].address, derivationIndex: rows[0].derivation_index };
  }

  /** Takes the next index and stores the address derived at it; a concurrent first call for the same workspace keeps one. */
  async create(workspaceId: string, derive: (index: number) => string): Promise<DepositAddressRow> {
    return this.dataSource.transaction(async (manager) => {
      const [{ index }] = (await manager.query(`SELECT nextval('chain.deposit_address_index')::int AS index`)) as Array<{ index: number }>;
      await manager.query(
        `INSERT INTO chain.deposit_addresses (workspace_id, address, derivation_index) VALUES ($1, $2, $3) ON CONFLICT (workspace_id) DO NOTHING`,
        [workspaceId, derive(index).toLowerCase(), index],
      );
      const rows = (await manager.query(`SELECT workspace_id, address, derivation_index FROM chain.deposit_addresses WHERE workspace_id = $1`, [workspaceId])) as Array<{ workspace_id: string; address: string; derivation_index: number }>;
      return { workspaceId: rows[0].workspace_id, address: rows[0].address, derivationIndex: rows[0].derivation_index };
    });
  }

  /** Owners of the given addresses (lowercase in, lowercase out). */
  async owners(addresses: string[]): Promise<Map<string, string>> {
    if (addresses.length === 0) return new Map();
    const rows = (await this.dataSource.query(`SELECT address, workspace_id FROM chain.deposit_addresses WHERE address = ANY ($1)`, [addresses.map((a) => a.toLowerCase())])) as Array<{ address: string; workspace_id: string }>;
    return new Map(rows.map((r) => [r.address, r.workspace_id]));
  }

  /** Every address (the follower filters eth_getLogs by them). */
  async all(): Promise<Map<string, string>> {
    const rows = (await this.dataSource.query(`SELECT address, workspace_id FROM chain.deposit_addresses`)) as Array<{ address: string; workspace_id: string }>;
    return new Map(rows.map((r) => [r.address, r.workspace_id]));
  }
}
