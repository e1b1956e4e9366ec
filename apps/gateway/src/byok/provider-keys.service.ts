import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT } from '@switchyard/database';
import { AppError } from '@switchyard/errors';
import { byokFeePrice } from '@switchyard/pricing';
import type Redis from 'ioredis';
import { ExpiringCache } from '../caching/expiring-cache';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import type { PricedCandidate } from '../completion/route-candidates.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { ProviderKeyCipher } from './provider-key.cipher';
import { ProviderKeysRepository } from './provider-keys.repository';

const CACHE_TTL_MS = 5_000;
const CACHE_ENTRIES_MAX = 10_000;
const NO_PROVIDERS: ReadonlySet<string> = new Set();

interface WorkspaceKey {
  apiKey: string;
  allowOperatorFallback: boolean;
}

/** A candidate to try; `byok` set when it runs on the workspace's own provider key (and is priced at the platform fee). */
export type ServingCandidate = PricedCandidate & { byok?: { apiKey: string; feeBasisPoints: number } };

/** What the API shows of a stored key: never the key itself. */
export interface ProviderKeyView {
  provider: string;
  key_hint: string;
  allow_operator_fallback: boolean;
  updated_at: string;
}

/**
 * Bring your own key: a workspace's provider keys (encrypted at rest), tried before the operator's key for that
 * provider and charged the platform fee (BYOK_FEE_BASIS_POINTS of the price; the first BYOK_FREE_REQUESTS_PER_MONTH
 * requests of a month free). The operator's key is tried after a failure only when the workspace allows it.
 */
@Injectable()
export class ProviderKeysService {
  private readonly cipher?: ProviderKeyCipher;
  private readonly cache = new ExpiringCache<Map<string, WorkspaceKey>>({ ttlMs: CACHE_TTL_MS, entriesMax: CACHE_ENTRIES_MAX });

  constructor(
    private readonly repository: ProviderKeysRepository,
    private readonly providers: ProviderRegistry,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    if (env.BYOK_ENCRYPTION_KEY) this.cipher = new ProviderKeyCipher(env.BYOK_ENCRYPTION_KEY);
  }

  async save(workspaceId: string, providerId: string, apiKey: string, allowOperatorFallback: boolean): Promise<ProviderKeyView> {
    const cipher = this.requireCipher();
    if (!this.providers.withOwnKey(providerId, apiKey)) {
      throw new AppError('invalid_request', `Provider '${providerId.slice(0, 64)}' is not available on this gateway or takes no key.`, { param: 'provider' });
    }
    await this.repository.put({ workspaceId, providerId, ciphertext: cipher.encrypt(apiKey, associated(workspaceId, providerId)), keyHint: apiKey.slice(-4), allowOperatorFallback });
    this.cache.delete(workspaceId);
    const saved = (await this.list(workspaceId)).find((k) => k.provider === providerId);
    if (!saved) throw new AppError('internal', 'The provider key was not saved.');
    return saved;
  }

  async list(workspaceId: string): Promise<ProviderKeyView[]> {
    const rows = await this.repository.forWorkspace(workspaceId);
    return rows.map((row) => ({ provider: row.providerId, key_hint: `…${row.keyHint}`, allow_operator_fallback: row.allowOperatorFallback, updated_at: row.updatedAt.toISOString() }));
  }

  async remove(workspaceId: string, providerId: string): Promise<void> {
    if (!(await this.repository.remove(workspaceId, providerId))) throw new AppError('not_found', 'No key for this provider.', { param: 'provider' });
    this.cache.delete(workspaceId);
  }

  /** The providers the workspace stored its own key for (routing offers own-key-only providers to it only). */
  async providersWithKeys(workspaceId: string): Promise<ReadonlySet<string>> {
    if (!this.cipher) return NO_PROVIDERS;
    const keys = await this.keysOf(workspaceId);
    return keys.size === 0 ? NO_PROVIDERS : new Set(keys.keys());
  }

  /**
   * The candidates with the workspace's own keys first: a provider it has a key for is tried with that key (at the
   * fee), then with the operator's key only if the workspace allows it and the operator has one. Own-key-only providers
   * are served with the workspace's key or not at all. Unchanged when it has no key.
   */
  async withWorkspaceKeys(workspaceId: string, candidates: PricedCandidate[]): Promise<ServingCandidate[]> {
    if (!this.cipher) return candidates;
    const keys = await this.keysOf(workspaceId);
    if (keys.size === 0 || !candidates.some((c) => keys.has(c.providerId))) return servable(candidates.filter((c) => !this.providers.isOwnKeyOnly(c.providerId)));
    const feeBasisPoints = await this.feeBasisPoints(workspaceId);
    const serving = candidates.flatMap((candidate): ServingCandidate[] => {
      const own = keys.get(candidate.providerId);
      const operatorServes = !this.providers.isOwnKeyOnly(candidate.providerId);
      if (!own) return operatorServes ? [candidate] : [];
      const byok: ServingCandidate = { ...candidate, price: byokFeePrice(candidate.price, feeBasisPoints), byok: { apiKey: own.apiKey, feeBasisPoints } };
      return own.allowOperatorFallback && operatorServes ? [byok, candidate] : [byok];
    });
    return servable(serving);
  }

  private keysOf(workspaceId: string): Promise<Map<string, WorkspaceKey>> {
    return this.cache.getOrLoad(workspaceId, async () => {
      const cipher = this.requireCipher();
      const keys = new Map<string, WorkspaceKey>();
      for (const row of await this.repository.forWorkspace(workspaceId)) {
        keys.set(row.providerId, { apiKey: cipher.decrypt(row.ciphertext, associated(workspaceId, row.providerId)), allowOperatorFallback: row.allowOperatorFallback });
      }
      return keys;
    });
  }

  /** The fee for this request: free within the month's allowance (counted per workspace in Redis), else the operator's rate. */
  private async feeBasisPoints(workspaceId: string): Promise<number> {
    const allowance = this.env.BYOK_FREE_REQUESTS_PER_MONTH;
    if (allowance === 0) return this.env.BYOK_FEE_BASIS_POINTS;
    const month = new Date().toISOString().slice(0, 7);
    const key = `byok-free:${workspaceId}:${month}`;
    const used = await this.redis.incr(key);
    if (used === 1) await this.redis.expire(key, 40 * 86_400);
    return used <= allowance ? 0 : this.env.BYOK_FEE_BASIS_POINTS;
  }

  private requireCipher(): ProviderKeyCipher {
    if (!this.cipher) throw new AppError('invalid_request', 'Bring-your-own-key is not configured on this gateway (BYOK_ENCRYPTION_KEY).');
    return this.cipher;
  }
}

/** Candidates left after own-key-only providers without the workspace's key went (a key deleted since routing): none → 404. */
function servable<C extends PricedCandidate>(candidates: C[]): C[] {
  if (candidates.length === 0) throw new AppError('model_not_found', 'No provider can serve this model for this workspace: it is served here only with the workspace’s own provider key.', { param: 'model' });
  return candidates;
}

function associated(workspaceId: string, providerId: string): string {
  return `${workspaceId}:${providerId}`;
}
