import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { z } from 'zod';
import { ApiKeyInvalidations } from '../auth/api-key-invalidations';
import type { ApiKeyEntity } from '../auth/api-key.entity';
import { generateApiKey } from '../auth/api-key.codec';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { type Principal, requireKeyManager, requireOwner } from '../auth/principal';
import { GuardrailPoliciesRepository } from '../guardrails/guardrail-policies.repository';
import { type GuardrailPolicy, GuardrailPolicySchema, guardrailPolicyToJson } from '../guardrails/guardrail-policy';
import type { CreateKey, UpdateKey } from './keys.schemas';

const Uuid = z.uuid();

/**
 * A workspace's keys for its members and management keys. Raw keys are returned by `create` only; a key's credit
 * limit lives in its guardrail policy (the guardrails enforce it). Another workspace's key is 404 like a missing one.
 */
@Injectable()
export class KeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly policies: GuardrailPoliciesRepository,
    private readonly invalidations: ApiKeyInvalidations,
  ) {}

  async create(principal: Principal, body: CreateKey) {
    requireKeyManager(principal);
    if (body.kind === 'management') requireOwner(principal, { allowManagementKey: false });
    const key = generateApiKey();
    const entity = await this.keys.insert({
      id: randomUUID(),
      workspaceId: principal.workspaceId,
      name: body.name,
      kind: body.kind,
      keyPrefix: key.prefix,
      keyHash: key.hash,
      expiresAt: body.expires_at ? new Date(body.expires_at) : null,
      createdBy: principal.kind === 'session' ? principal.address : `key:${principal.apiKeyId}`,
    });
    if (body.credit_limit_micros != null) await this.putCreditLimit(entity, body.credit_limit_micros, body.credit_limit_reset ?? 'never');
    return { data: await this.render(entity), key: key.raw };
  }

  async list(principal: Principal) {
    requireKeyManager(principal);
    const keys = await this.keys.listByWorkspace(principal.workspaceId);
    return { data: await Promise.all(keys.map((k) => this.render(k))) };
  }

  async get(principal: Principal, id: string) {
    requireKeyManager(principal);
    return { data: await this.render(await this.find(principal, id)) };
  }

  async update(principal: Principal, id: string, body: UpdateKey) {
    requireKeyManager(principal);
    const current = await this.find(principal, id);
    if (current.revokedAt) throw new AppError('conflict', 'The key is revoked; create a new one.');
    if (current.kind === 'management') requireOwner(principal, { allowManagementKey: false });
    const changes: Partial<Pick<ApiKeyEntity, 'name' | 'expiresAt' | 'disabled'>> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.disabled !== undefined) changes.disabled = body.disabled;
    if (body.expires_at !== undefined) changes.expiresAt = body.expires_at === null ? null : new Date(body.expires_at);
    const updated = await this.keys.update(principal.workspaceId, id, changes);
    if (!updated) throw notFound();
    if (body.credit_limit_micros !== undefined || body.credit_limit_reset !== undefined) {
      if (updated.kind === 'management') throw new AppError('invalid_request', 'Management keys have no credit limit.', { param: 'credit_limit_micros' });
      const existing = (await this.policies.findOne(principal.workspaceId, id))?.policy ?? {};
      const micros = body.credit_limit_micros !== undefined ? body.credit_limit_micros : ((existing.credit_limit_micros as string | undefined) ?? null);
      const reset = body.credit_limit_reset !== undefined ? body.credit_limit_reset : ((existing.credit_limit_reset as string | undefined) ?? null);
      await this.putCreditLimit(updated, micros, micros === null ? null : (reset ?? 'never'));
    }
    if (changes.disabled !== undefined || changes.expiresAt !== undefined) await this.invalidations.invalidate(updated.keyHash);
    return { data: await this.render(updated) };
  }

  async revoke(principal: Principal, id: string) {
    requireKeyManager(principal);
    const current = await this.find(principal, id);
    if (current.kind === 'management') requireOwner(principal, { allowManagementKey: false });
    const revoked = (await this.keys.revoke(current.id, new Date())) ?? current;
    await this.invalidations.invalidate(revoked.keyHash);
    return { data: await this.render(revoked) };
  }

  async guardrails(principal: Principal, id: string) {
    requireKeyManager(principal);
    return this.renderGuardrails(await this.find(principal, id));
  }

  async putGuardrails(principal: Principal, id: string, policy: GuardrailPolicy) {
    requireOwner(principal, { allowManagementKey: true });
    const key = await this.find(principal, id);
    if (key.kind === 'management') throw new AppError('invalid_request', 'Management keys cannot call models, so they have no guardrails.', { param: 'id' });
    await this.policies.put(key.workspaceId, key.id, guardrailPolicyToJson(policy));
    return this.renderGuardrails(key);
  }

  private async renderGuardrails(key: ApiKeyEntity) {
    const row = await this.policies.findOne(key.workspaceId, key.id);
    return { scope: 'key', workspace_id: key.workspaceId, key_id: key.id, policy: row?.policy ?? {}, updated_at: row?.updatedAt.toISOString() ?? null };
  }

  private async find(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const key = Uuid.safeParse(id).success ? await this.keys.findInWorkspace(principal.workspaceId, id) : null;
    if (!key) throw notFound();
    return key;
  }

  /** Sets (or with null removes) the key's credit limit in its guardrail policy, keeping its other limits. */
  private async putCreditLimit(key: ApiKeyEntity, micros: string | null, reset: string | null): Promise<void> {
    const existing = (await this.policies.findOne(key.workspaceId, key.id))?.policy ?? {};
    const merged: Record<string, unknown> = { ...existing, credit_limit_micros: micros, credit_limit_reset: reset };
    const parsed = GuardrailPolicySchema.safeParse(merged);
    if (!parsed.success) throw new AppError('invalid_request', `Invalid credit limit: ${parsed.error.issues[0]?.message ?? 'rejected'}`, { param: 'credit_limit_micros' });
    await this.policies.put(key.workspaceId, key.id, guardrailPolicyToJson(parsed.data));
  }

  private async render(key: ApiKeyEntity) {
    const policy = key.kind === 'inference' ? (await this.policies.findOne(key.workspaceId, key.id))?.policy : undefined;
    return {
      id: key.id,
      name: key.name,
      kind: key.kind,
      prefix: key.keyPrefix,
      workspace_id: key.workspaceId,
      disabled: key.disabled,
      credit_limit_micros: (policy?.credit_limit_micros as string | undefined) ?? null,
      credit_limit_reset: (policy?.credit_limit_reset as string | undefined) ?? null,
      created_at: key.createdAt.toISOString(),
      expires_at: key.expiresAt?.toISOString() ?? null,
      revoked_at: key.revokedAt?.toISOString() ?? null,
    };
  }
}

function notFound(): AppError {
  return new AppError('not_found', 'No such API key in this workspace.', { param: 'id' });
}
