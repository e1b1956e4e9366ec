import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { z } from 'zod';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { AdminTokenGuard } from '../management/admin-token.guard';
import { WorkspacesRepository } from '../management/workspaces.repository';
import { GuardrailPoliciesRepository } from './guardrail-policies.repository';
import { type GuardrailPolicy, GuardrailPolicySchema, guardrailPolicyToJson } from './guardrail-policy';

const Uuid = z.uuid();

/** Operators set workspace and key guardrails (PUT replaces the whole policy; `{}` removes every limit). */
@Controller('api/v1/admin/workspaces/:workspaceId')
@UseGuards(AdminTokenGuard)
export class GuardrailsAdminController {
  constructor(
    private readonly policies: GuardrailPoliciesRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly keys: ApiKeysRepository,
  ) {}

  @Get('guardrails')
  async getWorkspace(@Param('workspaceId') workspaceId: string) {
    await this.requireWorkspace(workspaceId);
    return this.render(workspaceId, null);
  }

  @Put('guardrails')
  async putWorkspace(@Param('workspaceId') workspaceId: string, @Body(new ZodBodyPipe(GuardrailPolicySchema)) policy: GuardrailPolicy) {
    await this.requireWorkspace(workspaceId);
    await this.policies.put(workspaceId, null, guardrailPolicyToJson(policy));
    return this.render(workspaceId, null);
  }

  @Get('keys/:keyId/guardrails')
  async getKey(@Param('workspaceId') workspaceId: string, @Param('keyId') keyId: string) {
    await this.requireKey(workspaceId, keyId);
    return this.render(workspaceId, keyId);
  }

  @Put('keys/:keyId/guardrails')
  async putKey(@Param('workspaceId') workspaceId: string, @Param('keyId') keyId: string, @Body(new ZodBodyPipe(GuardrailPolicySchema)) policy: GuardrailPolicy) {
    await this.requireKey(workspaceId, keyId);
    await this.policies.put(workspaceId, keyId, guardrailPolicyToJson(policy));
    return this.render(workspaceId, keyId);
  }

  private async render(workspaceId: string, keyId: string | null) {
    const row = await this.policies.findOne(workspaceId, keyId);
    return { scope: keyId ? 'key' : 'workspace', workspace_id: workspaceId, ...(keyId ? { key_id: keyId } : {}), policy: row?.policy ?? {}, updated_at: row?.updatedAt.toISOString() ?? null };
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    if (!Uuid.safeParse(workspaceId).success || !(await this.workspaces.findById(workspaceId))) throw new AppError('not_found', 'No such workspace.', { param: 'workspaceId' });
  }

  private async requireKey(workspaceId: string, keyId: string): Promise<void> {
    await this.requireWorkspace(workspaceId);
    const key = Uuid.safeParse(keyId).success ? await this.keys.findById(keyId) : null;
    if (!key || key.workspaceId !== workspaceId) throw new AppError('not_found', 'No such key in this workspace.', { param: 'keyId' });
  }
}

/**
 * A key reads the guardrails that apply to it (changing them is the workspace owner's, not the key's); a signed-in
 * member's session has no key, so `key` is empty and `workspace` is the workspace policy.
 */
@Controller('api/v1/guardrails')
@UseGuards(WorkspaceAuthGuard)
export class GuardrailsController {
  constructor(private readonly policies: GuardrailPoliciesRepository) {}

  @Get()
  async get(@CurrentPrincipal() principal: Principal) {
    if (!principal.apiKeyId) return { workspace: (await this.policies.findOne(principal.workspaceId, null))?.policy ?? {}, key: {} };
    const rows = await this.policies.findFor(principal.workspaceId, principal.apiKeyId);
    const of = (scope: 'workspace' | 'key') => rows.find((r) => (scope === 'key' ? r.apiKeyId !== null : r.apiKeyId === null))?.policy ?? {};
    return { workspace: of('workspace'), key: of('key') };
  }
}
