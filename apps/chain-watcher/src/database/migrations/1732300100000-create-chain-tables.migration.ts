import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follower cursors (one per chain: where the watcher got to) and deposit addresses (one per workspace,
 * derived from an extended public key at a unique index, so an address never belongs to two workspaces).
 */
export class CreateChainTables1732300100000 implements MigrationInterface {
  name = 'CreateChainTables1732300100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE chain.follower_cursors (
        chain_id bigint PRIMARY KEY CHECK (chain_id > 0),
        last_block bigint NOT NULL CHECK (last_block >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    await runner.query(`
      CREATE TABLE chain.deposit_addresses (
        workspace_id uuid PRIMARY KEY,
        -- lowercase, so uniqueness compares addresses rather than EIP-55 checksum casing
        address text NOT NULL UNIQUE CHECK (address ~ '^0x[0-9a-f]{40}$'),
        derivation_index integer NOT NULL UNIQUE CHECK (derivation_index >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE chain.deposit_addresses`);
    await runner.query(`DROP TABLE chain.follower_cursors`);
  }
}
