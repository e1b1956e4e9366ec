import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

const KEYS_PER_LIST_MAX = 1_000;

export type NewApiKey = Pick<ApiKeyEntity, 'id' | 'workspaceId' | 'name' | 'keyPrefix' | 'keyHash' | 'expiresAt'> & Partial<Pick<ApiKeyEntity, 'kind' | 'createdBy'>>;

/** Postgres access for API keys (the only code touching `gateway.api_keys`). */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { keyHash } });
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { id } });
  }

  /** One workspace's key by id (another workspace's key is null, like a missing one). */
  findInWorkspace(workspaceId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { id, workspaceId } });
  }

  /** Newest first, revoked ones included (they show as revoked). */
  listByWorkspace(workspaceId: string): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { workspaceId }, order: { createdAt: 'DESC' }, take: KEYS_PER_LIST_MAX });
  }

  async insert(key: NewApiKey): Promise<ApiKeyEntity> {
    await this.keys.insert({ kind: 'inference', createdBy: null, ...key, disabled: false, revokedAt: null });
    return (await this.findById(key.id)) as ApiKeyEntity;
  }

  /** Changes a live key's name, expiry or disabled flag; returns the key, or null when it is missing or revoked. */
  async update(workspaceId: string, id: string, changes: Partial<Pick<ApiKeyEntity, 'name' | 'expiresAt' | 'disabled'>>): Promise<ApiKeyEntity | null> {
    if (Object.keys(changes).length > 0) await this.keys.update({ id, workspaceId, revokedAt: IsNull() }, changes);
    return this.findInWorkspace(workspaceId, id);
  }

  /** Marks a key revoked (once); returns the key, or null when it does not exist. */
  async revoke(id: string, at: Date): Promise<ApiKeyEntity | null> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return this.findById(id);
  }
}
