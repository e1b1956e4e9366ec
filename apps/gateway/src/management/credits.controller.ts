import { Controller, Get, UseGuards } from '@nestjs/common';
import type { AuthenticatedKey } from '../auth/api-key-auth.service';
import { ApiKeyGuard, CurrentApiKey } from '../auth/api-key.guard';
import { ManagementService } from './management.service';

@Controller('api/v1')
@UseGuards(ApiKeyGuard)
export class CreditsController {
  constructor(private readonly management: ManagementService) {}

  @Get('credits')
  credits(@CurrentApiKey() key: AuthenticatedKey) {
    return this.management.credits(key.workspaceId);
  }
}
