import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One dashboard chat of a signed-in wallet in one workspace; only that wallet (in that workspace) reads it. */
@Entity({ name: 'conversations' })
export class ConversationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  /** Lower-case 0x address of the wallet that owns the chat. */
  @Column('text')
  address!: string;

  @Column('text')
  title!: string;

  /** The messages as the dashboard shows them (OpenAI chat messages plus per-answer model, cost and latency). */
  @Column('jsonb')
  messages!: unknown[];

  @Column('integer', { name: 'size_bytes' })
  sizeBytes!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
