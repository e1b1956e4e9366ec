import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyRequest } from 'fastify';
import { ApiKeyCache } from './api-key.cache';
import { hashApiKey, looksLikeApiKey } from './api-key.codec';
import { type ApiKeyKind, type ApiKeyRecord, isApiKeyUsable } from './api-key.record';
import { ApiKeysRepository } from './api-keys.repository';
import { FailedAuthLimiter } from './failed-auth.limiter';

export interface AuthenticatedKey {
  apiKeyId: string;
  workspaceId: string;
}

export interface IdentifiedKey extends AuthenticatedKey {
  kind: ApiKeyKind;
}

type CredentialRequest = Pick<FastifyRequest, 'headers' | 'query'> & { ip?: string };

/** Reads the credential from any of the accepted places (OpenAI, Anthropic, Gemini styles). */
export function extractApiKey(request: Pick<FastifyRequest, 'headers' | 'query'>): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  for (const header of ['x-api-key', 'x-goog-api-key'] as const) {
    const value = request.headers[header];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (query && typeof query.key === 'string' && query.key !== '') return query.key;
  return undefined;
}

/**
 * key hash → workspace, through the in-process map, then Redis, then Postgres. Raw keys are never compared, so no
 * constant-time compare is needed: a lookup's timing can at most reveal something about the SHA-256 of a guess, and
 * a hash of 256 random bits tells nothing about a key that hashes near it.
 */
@Injectable()
export class ApiKeyAuthService {
  constructor(
    private readonly cache: ApiKeyCache,
    private readonly repository: ApiKeysRepository,
    private readonly failures: FailedAuthLimiter,
  ) {}

  /** An inference key (the model-calling surfaces): management keys are refused here. */
  async authenticate(request: CredentialRequest): Promise<AuthenticatedKey> {
    const raw = extractApiKey(request);
    if (!raw) throw new AppError('unauthenticated', 'Missing API key. Pass it as "Authorization: Bearer <key>".');
    const key = await this.identify(raw, request.ip);
    if (key.kind !== 'inference') throw await this.failures.failure(request.ip, new AppError('unauthenticated', 'Management keys cannot call models; use an inference key.'));
    return { apiKeyId: key.apiKeyId, workspaceId: key.workspaceId };
  }

  /** Any live key of either kind, from its raw value; failures count toward the caller's failed-auth limit. */
  async identify(raw: string, clientAddress: string | undefined): Promise<IdentifiedKey> {
    const record = looksLikeApiKey(raw) ? await this.lookup(hashApiKey(raw)) : null;
    if (!record || !isApiKeyUsable(record, new Date())) throw await this.failures.failure(clientAddress, invalidKey());
    return { apiKeyId: record.id, workspaceId: record.workspaceId, kind: record.kind ?? 'inference' };
  }

  private async lookup(keyHash: string): Promise<ApiKeyRecord | null> {
    const now = Date.now();
    const local = this.cache.getLocal(keyHash, now);
    if (local) return local.record;
    let record: ApiKeyRecord | null | undefined = await this.cache.getShared(keyHash);
    if (record === undefined) {
      const entity = await this.repository.findByHash(keyHash);
      record = entity
        ? {
            id: entity.id,
            workspaceId: entity.workspaceId,
            keyHash: entity.keyHash,
            kind: entity.kind,
            disabled: entity.disabled,
            expiresAt: entity.expiresAt?.toISOString() ?? null,
            revokedAt: entity.revokedAt?.toISOString() ?? null,
          }
        : null;
      if (record) await this.cache.setShared(record);
    }
    this.cache.setLocal(keyHash, record, now);
    return record;
  }
}

function invalidKey(): AppError {
  return new AppError('unauthenticated', 'Invalid, expired or revoked API key.');
}
