import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { GuardrailPolicyEntity } from './guardrail-policy.entity';

/** Postgres access for guardrail policies (the only code touching `gateway.guardrail_policies`). */
@Injectable()
export class GuardrailPoliciesRepository {
  constructor(@InjectRepository(GuardrailPolicyEntity) private readonly policies: Repository<GuardrailPolicyEntity>) {}

  /** The workspace's policy and the key's, whichever exist. */
  findFor(workspaceId: string, apiKeyId: string): Promise<GuardrailPolicyEntity[]> {
    return this.policies
      .createQueryBuilder('p')
      .where('p.workspace_id = :workspaceId AND (p.api_key_id IS NULL OR p.api_key_id = :apiKeyId)', { workspaceId, apiKeyId })
      .getMany();
  }

  /** The workspace-wide policy only (a caller without an API key). */
  findWorkspaceOnly(workspaceId: string): Promise<GuardrailPolicyEntity[]> {
    return this.policies.createQueryBuilder('p').where('p.workspace_id = :workspaceId AND p.api_key_id IS NULL', { workspaceId }).getMany();
  }

  findOne(workspaceId: string, apiKeyId: string | null): Promise<GuardrailPolicyEntity | null> {
    return this.policies
      .createQueryBuilder('p')
      .where(apiKeyId ? 'p.workspace_id = :workspaceId AND p.api_key_id = :apiKeyId' : 'p.workspace_id = :workspaceId AND p.api_key_id IS NULL', { workspaceId, apiKeyId })
      .getOne();
  }

  /** Replaces the policy (insert or update, race-free on the partial unique indexes). */
  async put(workspaceId: string, apiKeyId: string | null, policy: Record<string, unknown>): Promise<void> {
    const conflict = apiKeyId ? '("api_key_id") WHERE "api_key_id" IS NOT NULL' : '("workspace_id") WHERE "api_key_id" IS NULL';
    await this.policies.query(
      `INSERT INTO "gateway"."guardrail_policies" ("id", "workspace_id", "api_key_id", "policy") VALUES ($1, $2, $3, $4)
       ON CONFLICT ${conflict} DO UPDATE SET "policy" = EXCLUDED."policy", "updated_at" = now()`,
      [randomUUID(), workspaceId, apiKeyId, JSON.stringify(policy)],
    );
  }
}
