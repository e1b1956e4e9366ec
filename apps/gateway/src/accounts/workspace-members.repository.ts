import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type WorkspaceRole, WorkspaceMemberEntity } from './workspace-member.entity';

const MEMBERS_PER_WORKSPACE_MAX = 500;
const WORKSPACES_PER_ADDRESS_MAX = 200;

/** Postgres access for workspace members (the only code touching `gateway.workspace_members`). */
@Injectable()
export class WorkspaceMembersRepository {
  constructor(@InjectRepository(WorkspaceMemberEntity) private readonly members: Repository<WorkspaceMemberEntity>) {}

  find(workspaceId: string, address: string): Promise<WorkspaceMemberEntity | null> {
    return this.members.findOne({ where: { workspaceId, address } });
  }

  /** Oldest membership first: the workspace a wallet signs in to by default. */
  forAddress(address: string): Promise<WorkspaceMemberEntity[]> {
    return this.members.find({ where: { address }, order: { createdAt: 'ASC' }, take: WORKSPACES_PER_ADDRESS_MAX });
  }

  forWorkspace(workspaceId: string): Promise<WorkspaceMemberEntity[]> {
    return this.members.find({ where: { workspaceId }, order: { createdAt: 'ASC' }, take: MEMBERS_PER_WORKSPACE_MAX });
  }

  countOwners(workspaceId: string): Promise<number> {
    return this.members.count({ where: { workspaceId, role: 'owner' } });
  }

  /** Adds the member or changes its role. */
  async put(workspaceId: string, address: string, role: WorkspaceRole): Promise<WorkspaceMemberEntity> {
    await this.members.query(
      `INSERT INTO "gateway"."workspace_members" ("workspace_id", "address", "role") VALUES ($1, $2, $3)
       ON CONFLICT ("workspace_id", "address") DO UPDATE SET "role" = EXCLUDED."role"`,
      [workspaceId, address, role],
    );
    return (await this.find(workspaceId, address)) as WorkspaceMemberEntity;
  }

  async remove(workspaceId: string, address: string): Promise<boolean> {
    const result = await this.members.delete({ workspaceId, address });
    return (result.affected ?? 0) > 0;
  }
}
