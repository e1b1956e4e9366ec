import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Wallet members of workspaces, sign-in sessions, and the kind of each API key (inference or management). */
export class Accounts1736000000000 implements MigrationInterface {
  name = 'Accounts1736000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "gateway"."workspace_members" (
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id"),
        "address" text NOT NULL CHECK ("address" ~ '^0x[0-9a-f]{40}$'),
        "role" text NOT NULL CHECK ("role" IN ('owner', 'member')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "address")
      )`);
    await runner.query(`CREATE INDEX "workspace_members_address_idx" ON "gateway"."workspace_members" ("address", "created_at")`);
    await runner.query(`
      CREATE TABLE "gateway"."sessions" (
        "id" uuid PRIMARY KEY,
        "address" text NOT NULL,
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id"),
        "client" text NOT NULL CHECK ("client" IN ('browser', 'cli')),
        "access_hash" char(64) NOT NULL UNIQUE,
        "refresh_hash" char(64) NOT NULL UNIQUE,
        "access_expires_at" timestamptz NOT NULL,
        "refresh_expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz NULL
      )`);
    await runner.query(`CREATE INDEX "sessions_address_idx" ON "gateway"."sessions" ("address")`);
    await runner.query(`ALTER TABLE "gateway"."api_keys" ADD COLUMN "kind" text NOT NULL DEFAULT 'inference' CHECK ("kind" IN ('inference', 'management'))`);
    await runner.query(`ALTER TABLE "gateway"."api_keys" ADD COLUMN "disabled" boolean NOT NULL DEFAULT false`);
    await runner.query(`ALTER TABLE "gateway"."api_keys" ADD COLUMN "created_by" text NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "gateway"."api_keys" DROP COLUMN "created_by", DROP COLUMN "disabled", DROP COLUMN "kind"`);
    await runner.query(`DROP TABLE "gateway"."sessions"`);
    await runner.query(`DROP TABLE "gateway"."workspace_members"`);
  }
}
