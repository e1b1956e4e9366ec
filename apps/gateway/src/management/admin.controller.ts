import { Body, Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { z } from 'zod';
import { AdminTokenGuard } from './admin-token.guard';
import { CreateKeySchema, CreateWorkspaceSchema, GrantCreditsSchema } from './management.schemas';
import { ManagementService } from './management.service';

@Controller('api/v1/admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly management: ManagementService) {}

  @Post('workspaces')
  createWorkspace(@Body(new ZodBodyPipe(CreateWorkspaceSchema)) body: z.output<typeof CreateWorkspaceSchema>) {
    return this.management.createWorkspace(body.name, body.creditMicros);
  }

  @Post('workspaces/:id/keys')
  createKey(@Param('id') workspaceId: string, @Body(new ZodBodyPipe(CreateKeySchema)) body: z.output<typeof CreateKeySchema>) {
    return this.management.createKey(workspaceId, body.name, body.expiresAt);
  }

  @Post('workspaces/:id/credits')
  grantCredits(@Param('id') workspaceId: string, @Body(new ZodBodyPipe(GrantCreditsSchema)) body: z.output<typeof GrantCreditsSchema>) {
    return this.management.grantCredits(workspaceId, body.amountMicros, body.reference);
  }

  @Delete('keys/:id')
  @HttpCode(200)
  revokeKey(@Param('id') keyId: string) {
    return this.management.revokeKey(keyId);
  }
}
