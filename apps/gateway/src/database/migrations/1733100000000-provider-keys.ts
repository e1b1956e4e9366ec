import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProviderKeys1733100000000 implements MigrationInterface {
  name = 'ProviderKeys1733100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "gateway"."provider_keys" (
        "id" uuid PRIMARY KEY,
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id"),
        "provider_id" text NOT NULL CHECK (length("provider_id") BETWEEN 1 AND 64),
        "ciphertext" text NOT NULL,
        "key_hint" text NOT NULL CHECK (length("key_hint") <= 8),
        "allow_operator_fallback" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "provider_keys_one_per_provider" UNIQUE ("workspace_id", "provider_id")
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "gateway"."provider_keys"`);
  }
}
