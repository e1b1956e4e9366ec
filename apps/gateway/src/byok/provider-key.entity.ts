import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A workspace's own key for one provider, encrypted (never stored or returned in clear); `key_hint` is its last 4 characters. */
@Entity({ name: 'provider_keys' })
export class ProviderKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  @Column('text', { name: 'provider_id' })
  providerId!: string;

  @Column('text')
  ciphertext!: string;

  @Column('text', { name: 'key_hint' })
  keyHint!: string;

  @Column('boolean', { name: 'allow_operator_fallback' })
  allowOperatorFallback!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
