import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { WorkspaceSettingsEntity } from './workspace-settings.entity';

/** Postgres access for workspace settings (the only code touching `gateway.workspace_settings`). */
@Injectable()
export class WorkspaceSettingsRepository {
  constructor(@InjectRepository(WorkspaceSettingsEntity) private readonly settings: Repository<WorkspaceSettingsEntity>) {}

  find(workspaceId: string): Promise<WorkspaceSettingsEntity | null> {
    return this.settings.findOne({ where: { workspaceId } });
  }

  /** Insert or replace the workspace's settings (race-free on the primary key). */
  async put(row: Pick<WorkspaceSettingsEntity, 'workspaceId' | 'storeContent' | 'contentExcludedKeyIds'>): Promise<void> {
    await this.settings.query(
      `INSERT INTO "gateway"."workspace_settings" ("workspace_id", "store_content", "content_excluded_key_ids")
       VALUES ($1, $2, $3::uuid[])
       ON CONFLICT ("workspace_id") DO UPDATE
         SET "store_content" = EXCLUDED."store_content", "content_excluded_key_ids" = EXCLUDED."content_excluded_key_ids", "updated_at" = now()`,
      [row.workspaceId, row.storeContent, row.contentExcludedKeyIds],
    );
  }

  async workspaceExists(workspaceId: string): Promise<boolean> {
    const rows = (await this.settings.query(`SELECT 1 FROM "gateway"."workspaces" WHERE "id" = $1`, [workspaceId])) as unknown[];
    return rows.length > 0;
  }
}
