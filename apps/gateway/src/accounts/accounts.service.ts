import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ManagementService } from '../management/management.service';
import { WorkspacesRepository } from '../management/workspaces.repository';
import type { SessionClient } from './session.entity';
import { type IssuedSession, SessionsService } from './sessions.service';
import type { WorkspaceRole } from './workspace-member.entity';
import { WorkspaceMembersRepository } from './workspace-members.repository';

/** Wallets, their workspaces and roles: sign-in picks (or creates) the workspace a session acts for. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly members: WorkspaceMembersRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly management: ManagementService,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * A session for the wallet in `workspaceId` (it must be a member) or in its oldest workspace. A wallet with no
   * workspace gets a new one, with itself as owner and the starter credit.
   */
  async signIn(address: string, client: SessionClient, workspaceId?: string): Promise<IssuedSession> {
    const workspace = await this.workspaceFor(address, workspaceId);
    return this.sessions.issue(address, workspace, client);
  }

  async workspaceFor(address: string, workspaceId?: string): Promise<string> {
    if (workspaceId) {
      if (!(await this.members.find(workspaceId, address))) throw new AppError('forbidden', 'This wallet is not a member of that workspace.', { param: 'workspace_id' });
      return workspaceId;
    }
    const memberships = await this.members.forAddress(address);
    if (memberships[0]) return memberships[0].workspaceId;
    const created = await this.management.createWorkspace(`${address.slice(0, 6)}…${address.slice(-4)}`, undefined);
    await this.members.put(created.id, address, 'owner');
    return created.id;
  }

  async profile(address: string, workspaceId: string) {
    const memberships = await this.members.forAddress(address);
    const names = await Promise.all(memberships.map((m) => this.workspaces.findById(m.workspaceId)));
    return memberships.map((m, i) => ({ id: m.workspaceId, name: names[i]?.name ?? null, role: m.role, current: m.workspaceId === workspaceId }));
  }

  async listMembers(workspaceId: string) {
    return (await this.members.forWorkspace(workspaceId)).map((m) => ({ address: m.address, role: m.role, created_at: m.createdAt.toISOString() }));
  }

  async putMember(workspaceId: string, address: string, role: WorkspaceRole) {
    const current = await this.members.find(workspaceId, address);
    if (current?.role === 'owner' && role !== 'owner' && (await this.members.countOwners(workspaceId)) <= 1) {
      throw new AppError('conflict', 'A workspace needs at least one owner: add another owner first.');
    }
    const member = await this.members.put(workspaceId, address, role);
    return { address: member.address, role: member.role, created_at: member.createdAt.toISOString() };
  }

  async removeMember(workspaceId: string, address: string): Promise<void> {
    const current = await this.members.find(workspaceId, address);
    if (!current) throw new AppError('not_found', 'No such member in this workspace.', { param: 'address' });
    if (current.role === 'owner' && (await this.members.countOwners(workspaceId)) <= 1) {
      throw new AppError('conflict', 'A workspace needs at least one owner: add another owner first.');
    }
    await this.members.remove(workspaceId, address);
  }
}
