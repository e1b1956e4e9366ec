import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ApiKeyKind } from './api-key.record';

/** An API key: only its prefix (for display) and SHA-256 hash are stored, never the raw key. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @Column('char', { name: 'key_hash', length: 64, unique: true })
  keyHash!: string;

  /** inference keys call models; management keys manage keys and read reports, and cannot call models. */
  @Column('text', { default: 'inference' })
  kind!: ApiKeyKind;

  @Column('boolean', { default: false })
  disabled!: boolean;

  /** The wallet (or `key:<id>` for a management key) that created it; null for operator-created keys. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
