import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tier `auto` classified a request into (simple, medium, complex, reasoning); null when `auto` was not asked for. */
export class RequestLogAutoTier1734300000000 implements MigrationInterface {
  name = 'RequestLogAutoTier1734300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "billing"."request_logs" ADD COLUMN "auto_tier" text NULL CHECK ("auto_tier" IN ('simple', 'medium', 'complex', 'reasoning'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "billing"."request_logs" DROP COLUMN "auto_tier"`);
  }
}
