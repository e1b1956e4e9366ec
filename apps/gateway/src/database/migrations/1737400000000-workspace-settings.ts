import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-workspace settings: content logging (off unless the workspace opts in) and the keys that opt out of it. */
export class WorkspaceSettings1737400000000 implements MigrationInterface {
  name = 'WorkspaceSettings1737400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "gateway"."workspace_settings" (
        "workspace_id" uuid PRIMARY KEY REFERENCES "gateway"."workspaces"("id"),
        "store_content" boolean NOT NULL DEFAULT false,
        "content_excluded_key_ids" uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality("content_excluded_key_ids") <= 1000),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "gateway"."workspace_settings"`);
  }
}
