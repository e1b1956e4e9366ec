import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per completed gateway request: the proof it was charged (or released) exactly once.
 * The primary key on request_id is the consumer's inbox; the indexes serve budget and usage windows.
 */
export class CreateCharges1732300000000 implements MigrationInterface {
  name = 'CreateCharges1732300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE billing.charges (
        request_id text PRIMARY KEY,
        hold_id text NOT NULL,
        workspace_id uuid NOT NULL,
        api_key_id text NULL,
        model_id text NULL,
        provider_id text NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'client_aborted')),
        prompt_tokens integer NOT NULL CHECK (prompt_tokens >= 0),
        completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
        cached_prompt_tokens integer NOT NULL CHECK (cached_prompt_tokens >= 0),
        cache_write_tokens integer NOT NULL CHECK (cache_write_tokens >= 0),
        reasoning_tokens integer NOT NULL CHECK (reasoning_tokens >= 0),
        web_search_requests integer NOT NULL DEFAULT 0 CHECK (web_search_requests >= 0),
        cost_micros bigint NOT NULL CHECK (cost_micros >= 0),
        settlement text NOT NULL CHECK (settlement IN ('captured', 'released')),
        ledger_status text NOT NULL,
        completed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT charges_released_costs_nothing CHECK (settlement = 'captured' OR cost_micros = 0)
      )
    `);
    // Windows are keyed on when the request ran (completed_at), not when billing got round to it.
    await runner.query(`CREATE INDEX charges_workspace_completed_idx ON billing.charges (workspace_id, completed_at)`);
    await runner.query(`CREATE INDEX charges_api_key_completed_idx ON billing.charges (api_key_id, completed_at) WHERE api_key_id IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE billing.charges`);
  }
}
