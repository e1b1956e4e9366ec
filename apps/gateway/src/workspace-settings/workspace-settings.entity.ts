import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One workspace's settings; a workspace without a row has the defaults (content logging off). */
@Entity({ name: 'workspace_settings' })
export class WorkspaceSettingsEntity {
  @PrimaryColumn('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  /** Store the prompts and completions of this workspace's requests (opt-in). */
  @Column('boolean', { name: 'store_content' })
  storeContent!: boolean;

  /** Keys whose requests are never stored, even with `store_content` on. */
  @Column('uuid', { name: 'content_excluded_key_ids', array: true })
  contentExcludedKeyIds!: string[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
