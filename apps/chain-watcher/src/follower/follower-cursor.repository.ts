import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** chain.follower_cursors: how far the follower got, per chain. */
@Injectable()
export class FollowerCursorRepository {
  constructor(private readonly dataSource: DataSource) {}

  async saveHead(chainId: number, block: bigint): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO chain.follower_cursors (chain_id, last_block, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (chain_id) DO UPDATE SET last_block = EXCLUDED.last_block, updated_at = now()`,
      [chainId, block.toString()],
    );
  }

  async lastBlock(chainId: number): Promise<bigint | undefined> {
    const rows = (await this.dataSource.query(`SELECT last_block::text AS last_block FROM chain.follower_cursors WHERE chain_id = $1`, [chainId])) as Array<{ last_block: string }>;
    return rows[0] ? BigInt(rows[0].last_block) : undefined;
  }
}
