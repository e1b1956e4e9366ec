import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prompts and completions of the requests whose workspace opted in to content logging, one row per request, apart from
 * the request log (which never holds content); rows older than the retention are deleted.
 */
export class CreateRequestContents1737400000000 implements MigrationInterface {
  name = 'CreateRequestContents1737400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "billing"."request_contents" (
        "request_id" text PRIMARY KEY,
        "workspace_id" uuid NOT NULL,
        "prompt" text NOT NULL,
        "completion" text NOT NULL,
        "tool_calls" text NULL,
        "truncated" boolean NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX "request_contents_created_at" ON "billing"."request_contents" ("created_at")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "billing"."request_contents"`);
  }
}
