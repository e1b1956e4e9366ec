import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One workspace's or key's guardrail policy (`api_key_id` null: the workspace's); the policy is validated JSON. */
@Entity({ name: 'guardrail_policies' })
export class GuardrailPolicyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  @Column('uuid', { name: 'api_key_id', nullable: true })
  apiKeyId!: string | null;

  @Column('jsonb')
  policy!: Record<string, unknown>;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
