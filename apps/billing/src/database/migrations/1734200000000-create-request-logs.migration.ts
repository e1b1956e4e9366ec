import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request log: one row per completed gateway request, written in the transaction that writes its charge
 * (so a log row always has its charge, and tokens and cost are read from the charge, never copied).
 * Metadata only: no prompt or completion text. Kept apart from charges so logs can have a retention period
 * while charges, the proof of billing, stay.
 */
export class CreateRequestLogs1734200000000 implements MigrationInterface {
  name = 'CreateRequestLogs1734200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE billing.request_logs (
        request_id text PRIMARY KEY REFERENCES billing.charges (request_id),
        workspace_id uuid NOT NULL,
        api_key_id text NULL,
        requested_model text NOT NULL,
        model_id text NULL,
        provider_id text NULL,
        surface text NOT NULL,
        streamed boolean NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'client_aborted')),
        error_code text NULL,
        strategy text NULL,
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        ttft_ms integer NULL CHECK (ttft_ms >= 0),
        attempts jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(attempts) = 'array'),
        attempt_count integer NOT NULL CHECK (attempt_count >= 0),
        end_user_id text NULL,
        app_title text NULL,
        app_referer text NULL,
        started_at timestamptz NOT NULL,
        completed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    // Logs pages are newest first with a (completed_at, request_id) keyset cursor, always inside one workspace.
    await runner.query(`CREATE INDEX request_logs_workspace_completed_idx ON billing.request_logs (workspace_id, completed_at DESC, request_id DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE billing.request_logs`);
  }
}
