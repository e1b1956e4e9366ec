import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { z } from 'zod';
import { type Principal, requireOwner } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { AdminTokenGuard } from '../management/admin-token.guard';
import { type WorkspaceSettingsInput, WorkspaceSettingsSchema } from './workspace-settings.schemas';
import { WorkspaceSettingsService } from './workspace-settings.service';

const Uuid = z.uuid();

/** `/api/v1/workspace/settings`: any member or key reads them; an owner (session or management key) replaces them. */
@Controller('api/v1/workspace/settings')
@UseGuards(WorkspaceAuthGuard)
export class WorkspaceSettingsController {
  constructor(private readonly settings: WorkspaceSettingsService) {}

  @Get()
  get(@CurrentPrincipal() principal: Principal) {
    return this.settings.get(principal.workspaceId);
  }

  @Put()
  put(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(WorkspaceSettingsSchema)) body: WorkspaceSettingsInput) {
    requireOwner(principal, { allowManagementKey: true });
    return this.settings.put(principal.workspaceId, body);
  }
}

/** Operators read and replace a workspace's settings. */
@Controller('api/v1/admin/workspaces/:workspaceId/settings')
@UseGuards(AdminTokenGuard)
export class WorkspaceSettingsAdminController {
  constructor(private readonly settings: WorkspaceSettingsService) {}

  @Get()
  async get(@Param('workspaceId') workspaceId: string) {
    await this.requireWorkspace(workspaceId);
    return this.settings.get(workspaceId);
  }

  @Put()
  async put(@Param('workspaceId') workspaceId: string, @Body(new ZodBodyPipe(WorkspaceSettingsSchema)) body: WorkspaceSettingsInput) {
    await this.requireWorkspace(workspaceId);
    return this.settings.put(workspaceId, body);
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    if (!Uuid.safeParse(workspaceId).success || !(await this.settings.workspaceExists(workspaceId))) throw new AppError('not_found', 'No such workspace.', { param: 'workspaceId' });
  }
}
