import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const WORKSPACE_ROLES = ['owner', 'member'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** A wallet's membership of a workspace (address lower-case hex). */
@Entity({ name: 'workspace_members' })
export class WorkspaceMemberEntity {
  @PrimaryColumn('uuid', { name: 'workspace_id' })
  workspaceId!: string;

  @PrimaryColumn('text')
  address!: string;

  @Column('text')
  role!: WorkspaceRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
