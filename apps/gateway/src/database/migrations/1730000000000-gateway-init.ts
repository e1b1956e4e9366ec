import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GatewayInit1730000000000 implements MigrationInterface {
  name = 'GatewayInit1730000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "gateway"`);
    await runner.query(`
      CREATE TABLE "gateway"."workspaces" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 200),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "gateway"."api_keys" (
        "id" uuid PRIMARY KEY,
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id"),
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 200),
        "key_prefix" text NOT NULL,
        "key_hash" char(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NULL,
        "revoked_at" timestamptz NULL,
        CONSTRAINT "api_keys_key_hash_unique" UNIQUE ("key_hash")
      )`);
    await runner.query(`CREATE INDEX "api_keys_workspace_id_idx" ON "gateway"."api_keys" ("workspace_id")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "gateway"."api_keys"`);
    await runner.query(`DROP TABLE "gateway"."workspaces"`);
  }
}
