import { Controller, Get, UseGuards } from '@nestjs/common';
import { microsToUsd } from '@switchyard/money';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { GuardrailPoliciesRepository } from './guardrail-policies.repository';
import { GuardrailPolicySchema, type ScopedPolicy } from './guardrail-policy';
import { GuardrailsService } from './guardrails.service';

/**
 * OpenRouter's `GET /api/v1/key`: the calling key's label, credit limit and what is left of it, its reset and
 * expiry, and its request rate limit. Money is decimal USD strings; `usage` is the spend in the current limit window.
 * A signed-in member's session has no key: the key fields are null and the rate limit is the workspace's.
 */
@Controller('api/v1/key')
@UseGuards(WorkspaceAuthGuard)
export class KeyInfoController {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly guardrails: GuardrailsService,
    private readonly policies: GuardrailPoliciesRepository,
  ) {}

  @Get()
  async get(@CurrentPrincipal() principal: Principal) {
    const apiKeyId = principal.apiKeyId;
    const [entity, policies] = await Promise.all([
      apiKeyId ? this.keys.findById(apiKeyId) : null,
      apiKeyId ? this.guardrails.policiesFor({ apiKeyId, workspaceId: principal.workspaceId }) : this.workspacePolicies(principal.workspaceId),
    ]);
    const limit = await this.guardrails.creditLimitStatus(policies);
    const rpm = policies.map((p) => p.policy.requests_per_minute).filter((v): v is number => v != null);
    const remaining = limit ? (limit.limitMicros > limit.usedMicros ? limit.limitMicros - limit.usedMicros : 0n) : null;
    return {
      data: {
        label: entity?.name ?? null,
        key_prefix: entity?.keyPrefix ?? null,
        usage: limit ? microsToUsd(limit.usedMicros) : null,
        limit: limit ? microsToUsd(limit.limitMicros) : null,
        limit_remaining: remaining === null ? null : microsToUsd(remaining),
        limit_reset: limit?.reset === 'never' ? null : (limit?.reset ?? null),
        limit_resets_at: limit?.resetAt ?? null,
        expires_at: entity?.expiresAt?.toISOString() ?? null,
        is_free_tier: false,
        rate_limit: rpm.length ? { requests: Math.min(...rpm), interval: '1m' } : null,
      },
    };
  }

  private async workspacePolicies(workspaceId: string): Promise<ScopedPolicy[]> {
    const row = await this.policies.findOne(workspaceId, null);
    return row ? [{ scope: 'workspace', scopeId: workspaceId, policy: GuardrailPolicySchema.parse(row.policy) }] : [];
  }
}
