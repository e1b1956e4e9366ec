import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The prompt and answer of one opted-in request (never written otherwise); deleted after the retention. */
@Entity({ name: 'request_contents', schema: 'billing' })
export class RequestContentEntity {
  @PrimaryColumn({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  prompt!: string;

  @Column({ type: 'text' })
  completion!: string;

  @Column({ name: 'tool_calls', type: 'text', nullable: true })
  toolCalls!: string | null;

  @Column({ type: 'boolean' })
  truncated!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

export type NewRequestContent = Omit<RequestContentEntity, 'createdAt'>;
