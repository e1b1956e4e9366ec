import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface FollowerCursor {
  head: bigint;
  finalized: bigint | undefined;
  scanned: bigint | undefined;
}

/** chain.follower_cursors: the head, the finalized block and how far the final-log scan got, per chain. */
@Injectable()
export class FollowerCursorRepository {
  constructor(private readonly dataSource: DataSource) {}

  async saveHead(chainId: number, block: bigint, finalized?: bigint): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO chain.follower_cursors (chain_id, last_block, finalized_block, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (chain_id) DO UPDATE SET last_block = EXCLUDED.last_block,
         finalized_block = COALESCE(EXCLUDED.finalized_block, chain.follower_cursors.finalized_block), updated_at = now()`,
      [chainId, block.toString(), finalized !== undefined && finalized >= 0n ? finalized.toString() : null],
    );
  }

  async lastBlock(chainId: number): Promise<bigint | undefined> {
    return (await this.read(chainId))?.head;
  }

  async read(chainId: number): Promise<FollowerCursor | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT last_block::text AS last_block, finalized_block::text AS finalized_block, scanned_block::text AS scanned_block FROM chain.follower_cursors WHERE chain_id = $1`,
      [chainId],
    )) as Array<{ last_block: string; finalized_block: string | null; scanned_block: string | null }>;
    const row = rows[0];
    if (!row) return undefined;
    return {
      head: BigInt(row.last_block),
      finalized: row.finalized_block === null ? undefined : BigInt(row.finalized_block),
      scanned: row.scanned_block === null ? undefined : BigInt(row.scanned_block),
    };
  }
}
