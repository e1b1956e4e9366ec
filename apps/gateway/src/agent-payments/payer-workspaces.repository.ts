import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { WorkspaceEntity } from '../management/workspace.entity';

/** A name-based UUID (version 5 layout over SHA-256): the same payer always maps to the same ids, no lookup table. */
export function payerUuid(kind: 'workspace' | 'key', chainId: number, address: string): string {
  const bytes = createHash('sha256').update(`switchyard:agent-payer:${kind}:eip155:${chainId}:${address.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface PayerIdentity {
  workspaceId: string;
  apiKeyId: string;
}

/**
 * The payer workspace of an address (keyed by chain id + address), with one internal API key row so usage,
 * guardrails and revocation work as for any key. The key's hash is of random bytes nobody holds: it never
 * authenticates a Bearer request. Inserts are idempotent (ON CONFLICT DO NOTHING).
 */
@Injectable()
export class PayerWorkspacesRepository {
  constructor(
    @InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>,
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
  ) {}

  identity(chainId: number, address: string): PayerIdentity {
    return { workspaceId: payerUuid('workspace', chainId, address), apiKeyId: payerUuid('key', chainId, address) };
  }

  async ensure(chainId: number, address: string): Promise<PayerIdentity & { revoked: boolean }> {
    const identity = this.identity(chainId, address);
    const did = `did:pkh:eip155:${chainId}:${address}`;
    await this.workspaces.createQueryBuilder().insert().values({ id: identity.workspaceId, name: `agent ${did}` }).orIgnore().execute();
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({
        id: identity.apiKeyId,
        workspaceId: identity.workspaceId,
        name: `agent payments ${did}`,
        keyPrefix: 'mpp',
        keyHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
        expiresAt: null,
        revokedAt: null,
      })
      .orIgnore()
      .execute();
    const key = await this.keys.findOne({ where: { id: identity.apiKeyId } });
    // An operator blocks a payer by revoking (or disabling) its key row.
    return { ...identity, revoked: key?.revokedAt != null || key?.disabled === true };
  }
}
