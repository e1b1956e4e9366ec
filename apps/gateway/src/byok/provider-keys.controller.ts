import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { z } from 'zod';
import { ApiKeyGuard, CurrentApiKey } from '../auth/api-key.guard';
import type { AuthenticatedKey } from '../auth/api-key-auth.service';
import { AdminTokenGuard } from '../management/admin-token.guard';
import { WorkspacesRepository } from '../management/workspaces.repository';
import { ProviderKeysService } from './provider-keys.service';

const SaveProviderKeySchema = z.object({ api_key: z.string().min(8).max(500), allow_operator_fallback: z.boolean().default(false) }).strict();
const Uuid = z.uuid();

/** Operators store a workspace's own provider keys (write-only: answers show a hint, never the key). */
@Controller('api/v1/admin/workspaces/:workspaceId/provider-keys')
@UseGuards(AdminTokenGuard)
export class ProviderKeysAdminController {
  constructor(
    private readonly keys: ProviderKeysService,
    private readonly workspaces: WorkspacesRepository,
  ) {}

  @Get()
  async list(@Param('workspaceId') workspaceId: string) {
    await this.requireWorkspace(workspaceId);
    return { data: await this.keys.list(workspaceId) };
  }

  @Put(':provider')
  async save(@Param('workspaceId') workspaceId: string, @Param('provider') provider: string, @Body(new ZodBodyPipe(SaveProviderKeySchema)) body: z.output<typeof SaveProviderKeySchema>) {
    await this.requireWorkspace(workspaceId);
    return this.keys.save(workspaceId, provider, body.api_key, body.allow_operator_fallback);
  }

  @Delete(':provider')
  @HttpCode(204)
  async remove(@Param('workspaceId') workspaceId: string, @Param('provider') provider: string): Promise<void> {
    await this.requireWorkspace(workspaceId);
    await this.keys.remove(workspaceId, provider);
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    if (!Uuid.safeParse(workspaceId).success || !(await this.workspaces.findById(workspaceId))) throw new AppError('not_found', 'No such workspace.', { param: 'workspaceId' });
  }
}

/** A key holder sees which providers its workspace brings its own key for (masked). */
@Controller('api/v1/provider-keys')
@UseGuards(ApiKeyGuard)
export class ProviderKeysController {
  constructor(private readonly keys: ProviderKeysService) {}

  @Get()
  async list(@CurrentApiKey() key: AuthenticatedKey) {
    return { data: await this.keys.list(key.workspaceId) };
  }
}
