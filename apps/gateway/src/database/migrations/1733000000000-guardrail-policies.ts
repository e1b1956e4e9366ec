import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GuardrailPolicies1733000000000 implements MigrationInterface {
  name = 'GuardrailPolicies1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "gateway"."guardrail_policies" (
        "id" uuid PRIMARY KEY,
        "workspace_id" uuid NOT NULL REFERENCES "gateway"."workspaces"("id"),
        "api_key_id" uuid NULL REFERENCES "gateway"."api_keys"("id"),
        "policy" jsonb NOT NULL CHECK (jsonb_typeof("policy") = 'object'),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // One policy per workspace and one per key (NULLs are distinct in a plain unique index).
    await runner.query(`CREATE UNIQUE INDEX "guardrail_policies_workspace_unique" ON "gateway"."guardrail_policies" ("workspace_id") WHERE "api_key_id" IS NULL`);
    await runner.query(`CREATE UNIQUE INDEX "guardrail_policies_key_unique" ON "gateway"."guardrail_policies" ("api_key_id") WHERE "api_key_id" IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "gateway"."guardrail_policies"`);
  }
}
