import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deposits: one row per Transfer log of the configured token to one of our addresses, keyed
 * (chain_id, tx_hash, log_index); credits: one ledger business event booking one or more final deposits
 * (several when small ones accumulated to the minimum); the outbox that publishes chain.deposit.confirmed.
 */
export class CreateDeposits1767400000000 implements MigrationInterface {
  name = 'CreateDeposits1767400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE chain.follower_cursors
        ADD COLUMN finalized_block bigint CHECK (finalized_block >= 0),
        -- every block <= scanned_block was scanned for final Transfer logs
        ADD COLUMN scanned_block bigint CHECK (scanned_block >= -1)
    `);
    await runner.query(`CREATE SEQUENCE chain.deposit_address_index MINVALUE 0 START 0`);
    await runner.query(`SELECT setval('chain.deposit_address_index', COALESCE((SELECT max(derivation_index) + 1 FROM chain.deposit_addresses), 0), false)`);
    await runner.query(`
      CREATE TABLE chain.deposit_credits (
        id text PRIMARY KEY,
        workspace_id uuid NOT NULL,
        chain_id bigint NOT NULL,
        gross_base_units numeric(78, 0) NOT NULL CHECK (gross_base_units > 0),
        fee_base_units numeric(78, 0) NOT NULL CHECK (fee_base_units >= 0 AND fee_base_units <= gross_base_units),
        gross_micros bigint NOT NULL CHECK (gross_micros > 0),
        fee_micros bigint NOT NULL CHECK (fee_micros >= 0),
        net_micros bigint NOT NULL CHECK (net_micros >= 0 AND net_micros + fee_micros = gross_micros),
        journal_key text NOT NULL UNIQUE,
        booked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    await runner.query(`CREATE INDEX deposit_credits_unbooked ON chain.deposit_credits (created_at) WHERE booked_at IS NULL`);
    await runner.query(`
      CREATE TABLE chain.deposits (
        chain_id bigint NOT NULL,
        tx_hash text NOT NULL CHECK (tx_hash ~ '^0x[0-9a-f]{64}$'),
        log_index integer NOT NULL CHECK (log_index >= 0),
        workspace_id uuid NOT NULL,
        token text NOT NULL CHECK (token ~ '^0x[0-9a-f]{40}$'),
        from_address text NOT NULL CHECK (from_address ~ '^0x[0-9a-f]{40}$'),
        to_address text NOT NULL CHECK (to_address ~ '^0x[0-9a-f]{40}$'),
        amount_base_units numeric(78, 0) NOT NULL CHECK (amount_base_units > 0),
        block_number bigint NOT NULL CHECK (block_number >= 0),
        block_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'dropped')),
        credit_id text REFERENCES chain.deposit_credits (id),
        seen_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (chain_id, tx_hash, log_index),
        -- a credit only ever books final deposits
        CHECK (credit_id IS NULL OR status = 'confirmed'),
        CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
      )
    `);
    await runner.query(`CREATE INDEX deposits_by_workspace ON chain.deposits (workspace_id, seen_at DESC)`);
    await runner.query(`CREATE INDEX deposits_uncredited ON chain.deposits (workspace_id, block_number, log_index) WHERE status = 'confirmed' AND credit_id IS NULL`);
    await runner.query(`CREATE INDEX deposits_pending ON chain.deposits (chain_id, block_number) WHERE status = 'pending'`);
    await runner.query(`
      CREATE TABLE chain.outbox (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        message_id text NOT NULL UNIQUE,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )
    `);
    await runner.query(`CREATE INDEX outbox_unpublished ON chain.outbox (id) WHERE published_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE chain.outbox`);
    await runner.query(`DROP TABLE chain.deposits`);
    await runner.query(`DROP TABLE chain.deposit_credits`);
    await runner.query(`DROP SEQUENCE chain.deposit_address_index`);
    await runner.query(`ALTER TABLE chain.follower_cursors DROP COLUMN scanned_block, DROP COLUMN finalized_block`);
  }
}
