import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

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

  async insert(key: Pick<ApiKeyEntity, 'id' | 'workspaceId' | 'name' | 'keyPrefix' | 'keyHash' | 'expiresAt'>): Promise<ApiKeyEntity> {
    await this.keys.insert({ ...key, revokedAt: null });
    return (await this.findById(key.id)) as ApiKeyEntity;
  }

  /** Marks a key revoked (once); returns the key, or null when it does not exist. */
  async revoke(id: string, at: Date): Promise<ApiKeyEntity | null> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return this.findById(id);
  }
}
