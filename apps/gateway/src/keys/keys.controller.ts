import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { type CreateKey, CreateKeySchema, type UpdateKey, UpdateKeySchema } from './keys.schemas';
import { KeysService } from './keys.service';

/** `/api/v1/keys`: a signed-in member or a management key manages the workspace's keys (raw key shown once, on create). */
@Controller('api/v1/keys')
@UseGuards(WorkspaceAuthGuard)
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(CreateKeySchema)) body: CreateKey) {
    return this.keys.create(principal, body);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal) {
    return this.keys.list(principal);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.get(principal, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBodyPipe(UpdateKeySchema)) body: UpdateKey) {
    return this.keys.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.revoke(principal, id);
  }
}
