import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { microsToUsd } from '@switchyard/money';
import { ApiKeyInvalidations } from '../auth/api-key-invalidations';
import { generateApiKey } from '../auth/api-key.codec';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { LedgerClient } from '../metering/ledger.client';
import { UuidParamSchema } from './management.schemas';
import { WorkspacesRepository } from './workspaces.repository';

/** Workspaces, keys and credits for operators, and the balance for key holders. */
@Injectable()
export class ManagementService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly keys: ApiKeysRepository,
    private readonly keyInvalidations: ApiKeyInvalidations,
    private readonly ledger: LedgerClient,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  /** Ledger accounts first (idempotent), then the row: a ledger outage leaves nothing half-created. */
  async createWorkspace(name: string, creditMicros: bigint | undefined) {
    const id = randomUUID();
    await this.ledger.openAccounts(id);
    if (this.env.STARTER_CREDIT_MICROS > 0n) await this.ledger.grantStarterCredit(id, this.env.STARTER_CREDIT_MICROS);
    if (creditMicros && creditMicros > 0n) {
      await this.ledger.grant(id, creditMicros, `workspace-initial-credit:${id}`, { workspaceId: id, source: 'admin.workspace.create' });
    }
    const workspace = await this.workspaces.insert(id, name);
    return {
      id: workspace.id,
      name: workspace.name,
      created_at: workspace.createdAt.toISOString(),
      credit_micros: (creditMicros ?? 0n).toString(),
      starter_credit_micros: this.env.STARTER_CREDIT_MICROS.toString(),
    };
  }

  async createKey(workspaceId: string, name: string, expiresAt: string | undefined) {
    await this.requireWorkspace(workspaceId);
    const key = generateApiKey();
    const entity = await this.keys.insert({
      id: randomUUID(),
      workspaceId,
      name,
      keyPrefix: key.prefix,
      keyHash: key.hash,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
    });
    return { id: entity.id, key: key.raw, prefix: entity.keyPrefix, name: entity.name, workspace_id: workspaceId, created_at: entity.createdAt.toISOString(), expires_at: entity.expiresAt?.toISOString() ?? null };
  }

  async grantCredits(workspaceId: string, amountMicros: bigint, reference: string) {
    await this.requireWorkspace(workspaceId);
    await this.ledger.grant(workspaceId, amountMicros, `operator-grant:${workspaceId}:${reference}`, { workspaceId, reference });
    return { workspace_id: workspaceId, amount_micros: amountMicros.toString(), reference };
  }

  async revokeKey(keyId: string) {
    if (!UuidParamSchema.safeParse(keyId).success) throw new AppError('not_found', 'No such API key.', { param: 'id' });
    const key = await this.keys.revoke(keyId, new Date());
    if (!key) throw new AppError('not_found', 'No such API key.', { param: 'id' });
    await this.keyInvalidations.invalidate(key.keyHash);
    return { id: key.id, revoked: true, revoked_at: key.revokedAt?.toISOString() ?? null };
  }

  async credits(workspaceId: string) {
    const balance = await this.ledger.balance(workspaceId);
    return {
      workspace_id: workspaceId,
      balance_micros: balance.postedMicros.toString(),
      pending_micros: balance.pendingMicros.toString(),
      available_micros: balance.availableMicros.toString(),
      balance_usd: microsToUsd(balance.availableMicros),
    };
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    const exists = UuidParamSchema.safeParse(workspaceId).success && (await this.workspaces.findById(workspaceId));
    if (!exists) throw new AppError('not_found', 'No such workspace.', { param: 'id' });
  }
}
