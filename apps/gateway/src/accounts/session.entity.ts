import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type SessionClient = 'browser' | 'cli';

/** A signed-in wallet acting for one workspace; only SHA-256 hashes of its opaque tokens are stored. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  address!: string;

  @Column('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  @Column('text')
  client!: SessionClient;

  @Column('char', { name: 'access_hash', length: 64 })
  accessHash!: string;

  @Column('char', { name: 'refresh_hash', length: 64 })
  refreshHash!: string;

  @Column('timestamptz', { name: 'access_expires_at' })
  accessExpiresAt!: Date;

  @Column('timestamptz', { name: 'refresh_expires_at' })
  refreshExpiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
