import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Dashboard chat history: per wallet and workspace, bounded in count (by the API) and size (here and in the API). */
export class Conversations1737600000000 implements MigrationInterface {
  name = 'Conversations1737600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "gateway"."conversations" (
        "id" uuid PRIMARY KEY,
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id") ON DELETE CASCADE,
        "address" text NOT NULL,
        "title" text NOT NULL CHECK (char_length("title") <= 200),
        "messages" jsonb NOT NULL,
        "size_bytes" integer NOT NULL CHECK ("size_bytes" <= 1048576),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX "conversations_owner_updated" ON "gateway"."conversations" ("workspace_id", "address", "updated_at" DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "gateway"."conversations"`);
  }
}
