import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ExpiringCache } from '../caching/expiring-cache';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import type { WorkspaceSettingsInput } from './workspace-settings.schemas';
import { WorkspaceSettingsRepository } from './workspace-settings.repository';

const CACHE_TTL_MS = 5_000;
const CACHE_ENTRIES_MAX = 10_000;

interface ContentLogging {
  storeContent: boolean;
  excludedKeyIds: ReadonlySet<string>;
}

/** What the API shows of a workspace's settings (the bounds come from the operator's env, read-only). */
export interface WorkspaceSettingsView {
  workspace_id: string;
  store_content: boolean;
  store_content_excluded_key_ids: string[];
  content_bytes_max: number;
  updated_at: string | null;
}

/**
 * Workspace settings, for now content logging: prompts and completions are stored only for a workspace that opted in,
 * never for its keys that opted out. Cached a few seconds per workspace, so a change applies everywhere within that time.
 */
@Injectable()
export class WorkspaceSettingsService {
  private readonly cache = new ExpiringCache<ContentLogging>({ ttlMs: CACHE_TTL_MS, entriesMax: CACHE_ENTRIES_MAX });

  constructor(
    private readonly repository: WorkspaceSettingsRepository,
    private readonly keys: ApiKeysRepository,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  async get(workspaceId: string): Promise<WorkspaceSettingsView> {
    const row = await this.repository.find(workspaceId);
    return {
      workspace_id: workspaceId,
      store_content: row?.storeContent ?? false,
      store_content_excluded_key_ids: row?.contentExcludedKeyIds ?? [],
      content_bytes_max: this.env.CONTENT_LOGGING_BYTES_MAX,
      updated_at: row?.updatedAt.toISOString() ?? null,
    };
  }

  async put(workspaceId: string, input: WorkspaceSettingsInput): Promise<WorkspaceSettingsView> {
    const excluded = [...new Set(input.store_content_excluded_key_ids)];
    for (const keyId of excluded) {
      if (!(await this.keys.findInWorkspace(workspaceId, keyId))) throw new AppError('invalid_request', `No key '${keyId}' in this workspace.`, { param: 'store_content_excluded_key_ids' });
    }
    await this.repository.put({ workspaceId, storeContent: input.store_content, contentExcludedKeyIds: excluded });
    this.cache.delete(workspaceId);
    return this.get(workspaceId);
  }

  async workspaceExists(workspaceId: string): Promise<boolean> {
    return this.repository.workspaceExists(workspaceId);
  }

  /** Whether this key's requests have their prompt and completion stored (the hot path: cached, Postgres on a miss). */
  async storesContent(key: { workspaceId: string; apiKeyId: string }): Promise<boolean> {
    const logging = await this.contentLogging(key.workspaceId);
    return logging.storeContent && !logging.excludedKeyIds.has(key.apiKeyId);
  }

  private contentLogging(workspaceId: string): Promise<ContentLogging> {
    return this.cache.getOrLoad(workspaceId, async () => {
      const row = await this.repository.find(workspaceId);
      return { storeContent: row?.storeContent ?? false, excludedKeyIds: new Set(row?.contentExcludedKeyIds ?? []) };
    });
  }
}
