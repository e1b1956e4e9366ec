import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { type GuardrailPolicy, GuardrailPolicySchema } from '../guardrails/guardrail-policy';
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

  /** The key's own guardrail policy (its credit limit included); the workspace policy applies as well. */
  @Get(':id/guardrails')
  guardrails(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.guardrails(principal, id);
  }

  /** Replaces the key's whole policy, as the admin API does (`{}` removes every limit, the credit limit too): owners, or a management key. */
  @Put(':id/guardrails')
  putGuardrails(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBodyPipe(GuardrailPolicySchema)) policy: GuardrailPolicy) {
    return this.keys.putGuardrails(principal, id, policy);
  }

  @Delete(':id')
  @HttpCode(200)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.revoke(principal, id);
  }
}
