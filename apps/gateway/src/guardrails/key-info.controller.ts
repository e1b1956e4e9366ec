import { Controller, Get, UseGuards } from '@nestjs/common';
import { microsToUsd } from '@switchyard/money';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { ApiKeyGuard, CurrentApiKey } from '../auth/api-key.guard';
import type { AuthenticatedKey } from '../auth/api-key-auth.service';
import { GuardrailsService } from './guardrails.service';

/**
 * OpenRouter's `GET /api/v1/key`: the calling key's label, credit limit and what is left of it, its reset and
 * expiry, and its request rate limit. Money is decimal USD strings; `usage` is the spend in the current limit window.
 */
@Controller('api/v1/key')
@UseGuards(ApiKeyGuard)
export class KeyInfoController {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly guardrails: GuardrailsService,
  ) {}

  @Get()
  async get(@CurrentApiKey() key: AuthenticatedKey) {
    const [entity, policies] = await Promise.all([this.keys.findById(key.apiKeyId), this.guardrails.policiesFor(key)]);
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
}
