import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { z } from 'zod';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { type Principal, requireOwner } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { GuardrailPoliciesRepository } from '../guardrails/guardrail-policies.repository';
import { type GuardrailPolicy, GuardrailPolicySchema, guardrailPolicyToJson } from '../guardrails/guardrail-policy';
import { WorkspacesRepository } from '../management/workspaces.repository';
import { EthAddressSchema, PutMemberSchema } from './accounts.schemas';
import { AccountsService } from './accounts.service';

/** Who is calling, the workspace's members, and its guardrails — always for the caller's own workspace. */
@Controller('api/v1')
@UseGuards(WorkspaceAuthGuard)
export class MeController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly workspaces: WorkspacesRepository,
    private readonly keys: ApiKeysRepository,
    private readonly policies: GuardrailPoliciesRepository,
  ) {}

  @Get('me')
  async me(@CurrentPrincipal() principal: Principal) {
    const workspace = await this.workspaces.findById(principal.workspaceId);
    const base = { auth: principal.kind, workspace: { id: principal.workspaceId, name: workspace?.name ?? null } };
    if (principal.kind === 'session') {
      return { data: { ...base, address: principal.address, role: principal.role, workspaces: await this.accounts.profile(principal.address, principal.workspaceId) } };
    }
    const key = await this.keys.findById(principal.apiKeyId);
    return { data: { ...base, key: { id: principal.apiKeyId, name: key?.name ?? null, prefix: key?.keyPrefix ?? null, kind: key?.kind ?? 'inference' } } };
  }

  @Get('workspaces/members')
  async members(@CurrentPrincipal() principal: Principal) {
    if (principal.kind === 'api_key') throw new AppError('forbidden', 'Inference keys cannot read members: sign in, or use a management key.');
    return { data: await this.accounts.listMembers(principal.workspaceId) };
  }

  @Put('workspaces/members')
  async putMember(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(PutMemberSchema)) body: z.output<typeof PutMemberSchema>) {
    requireOwner(principal, { allowManagementKey: false });
    return { data: await this.accounts.putMember(principal.workspaceId, body.address, body.role) };
  }

  @Delete('workspaces/members/:address')
  @HttpCode(200)
  async removeMember(@CurrentPrincipal() principal: Principal, @Param('address') address: string) {
    requireOwner(principal, { allowManagementKey: false });
    const parsed = EthAddressSchema.safeParse(address);
    if (!parsed.success) throw new AppError('not_found', 'No such member in this workspace.', { param: 'address' });
    await this.accounts.removeMember(principal.workspaceId, parsed.data);
    return { data: { address: parsed.data, removed: true } };
  }

  /** The workspace-wide guardrail policy (every key's own policy also applies; see PATCH /keys/{id} for credit limits). */
  @Get('guardrails/workspace')
  async workspaceGuardrails(@CurrentPrincipal() principal: Principal) {
    return this.renderGuardrails(principal.workspaceId);
  }

  /** Replaces the whole workspace policy (`{}` removes every limit): owners, or a management key. */
  @Put('guardrails/workspace')
  async putWorkspaceGuardrails(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(GuardrailPolicySchema)) policy: GuardrailPolicy) {
    requireOwner(principal, { allowManagementKey: true });
    await this.policies.put(principal.workspaceId, null, guardrailPolicyToJson(policy));
    return this.renderGuardrails(principal.workspaceId);
  }

  private async renderGuardrails(workspaceId: string) {
    const row = await this.policies.findOne(workspaceId, null);
    return { scope: 'workspace', workspace_id: workspaceId, policy: row?.policy ?? {}, updated_at: row?.updatedAt.toISOString() ?? null };
  }
}
