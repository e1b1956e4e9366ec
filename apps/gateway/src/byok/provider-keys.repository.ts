import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ProviderKeyEntity } from './provider-key.entity';

/** Postgres access for workspaces' provider keys (the only code touching `gateway.provider_keys`). */
@Injectable()
export class ProviderKeysRepository {
  constructor(@InjectRepository(ProviderKeyEntity) private readonly keys: Repository<ProviderKeyEntity>) {}

  forWorkspace(workspaceId: string): Promise<ProviderKeyEntity[]> {
    return this.keys.find({ where: { workspaceId }, order: { providerId: 'ASC' } });
  }

  /** Insert or replace the workspace's key for a provider (race-free on the unique constraint). */
  async put(row: Pick<ProviderKeyEntity, 'workspaceId' | 'providerId' | 'ciphertext' | 'keyHint' | 'allowOperatorFallback'>): Promise<void> {
    await this.keys.query(
      `INSERT INTO "gateway"."provider_keys" ("id", "workspace_id", "provider_id", "ciphertext", "key_hint", "allow_operator_fallback")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("workspace_id", "provider_id") DO UPDATE
         SET "ciphertext" = EXCLUDED."ciphertext", "key_hint" = EXCLUDED."key_hint",
             "allow_operator_fallback" = EXCLUDED."allow_operator_fallback", "updated_at" = now()`,
      [randomUUID(), row.workspaceId, row.providerId, row.ciphertext, row.keyHint, row.allowOperatorFallback],
    );
  }

  async remove(workspaceId: string, providerId: string): Promise<boolean> {
    const result = await this.keys.delete({ workspaceId, providerId });
    return (result.affected ?? 0) > 0;
  }
}
