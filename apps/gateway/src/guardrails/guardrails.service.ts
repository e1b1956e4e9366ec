import { Inject, Injectable } from '@nestjs/common';
import { ExpiringCache } from '../caching/expiring-cache';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { AppError, type ErrorCode } from '@switchyard/errors';
import { streamSlotsFull } from '../streaming/stream-limits';
import { type StreamSlotClaim, StreamSlotsStore } from '../streaming/stream-slots.store';
import { AdmissionLeases, type AdmissionResult } from './admission-leases';
import { GuardrailCounters } from './guardrail-counters';
import { GuardrailPoliciesRepository } from './guardrail-policies.repository';
import { GuardrailPolicySchema, type ScopedPolicy } from './guardrail-policy';
import { counterTtlMs, dayWindow, minuteWindow, monthWindow, resetWindow, type Window } from './guardrail-windows';

const POLICY_CACHE_TTL_MS = 5_000;
const POLICY_CACHE_ENTRIES_MAX = 10_000;

/** The budget share a request holds until it ends; the unspent part is given back then. */
export interface BudgetReservation {
  keys: string[];
  grantedMicros: bigint;
}

/** What the caller learns about its request-rate limit (the tightest one that applies). */
export interface RateLimitStatus {
  limit: number;
  remaining: number;
  resetAtMs: number;
}

interface Candidate {
  modelId: string;
  providerId: string;
}

/** Whose request is checked: an API key, or a signed-in wallet (no key; `rateScopeId` names it for the default rate limit). */
export interface GuardedCaller {
  workspaceId: string;
  apiKeyId: string | null;
  rateScopeId?: string;
}

const scopeName = (p: ScopedPolicy) => (p.scope === 'key' ? 'API key' : 'workspace');

/**
 * Workspace and key guardrails: allowlists, a per-request cost cap, daily/monthly budgets that count in-flight
 * requests, and request/token rates — all shared by every replica through Redis. Policies are cached a few
 * seconds per key, so a change applies everywhere within that time.
 */
@Injectable()
export class GuardrailsService {
  private readonly cache = new ExpiringCache<ScopedPolicy[]>({ ttlMs: POLICY_CACHE_TTL_MS, entriesMax: POLICY_CACHE_ENTRIES_MAX });

  constructor(
    private readonly repository: GuardrailPoliciesRepository,
    private readonly counters: GuardrailCounters,
    private readonly leases: AdmissionLeases,
    private readonly streamSlots: StreamSlotsStore,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  /** The workspace's policy and the key's; a caller without a key (a signed-in wallet's chat) gets the workspace's only. */
  async policiesFor(key: GuardedCaller): Promise<ScopedPolicy[]> {
    return this.cache.getOrLoad(key.apiKeyId ?? `workspace:${key.workspaceId}`, async () => {
      const rows = key.apiKeyId ? await this.repository.findFor(key.workspaceId, key.apiKeyId) : await this.repository.findWorkspaceOnly(key.workspaceId);
      return rows.map((row) => ({
        scope: row.apiKeyId ? ('key' as const) : ('workspace' as const),
        scopeId: row.apiKeyId ?? row.workspaceId,
        policy: GuardrailPolicySchema.parse(row.policy),
      }));
    });
  }

  /** A named model outside an allowlist is refused before routing (`auto` is narrowed later instead). */
  checkRequestedModel(policies: ScopedPolicy[], model: string): void {
    if (model === 'auto') return;
    for (const p of policies) {
      const allowed = p.policy.allowed_models;
      if (allowed && !allowed.includes(model)) {
        throw violation('model_not_allowed', `The model '${model}' is not allowed for this ${scopeName(p)}.`, 'Use one of the allowed models, or ask the workspace owner to allow this one.', p, { model, allowed_models: allowed });
      }
    }
  }

  /** The candidates every allowlist admits, in order; none left → the violation that removed the last ones. */
  allowedCandidates<C extends Candidate>(policies: ScopedPolicy[], candidates: C[]): C[] {
    let remaining = candidates;
    for (const p of policies) {
      const models = p.policy.allowed_models;
      if (models) {
        remaining = remaining.filter((c) => models.includes(c.modelId));
        if (remaining.length === 0) throw violation('model_not_allowed', `No allowed model can serve this request for this ${scopeName(p)}.`, 'Use one of the allowed models.', p, { allowed_models: models });
      }
      const providers = p.policy.allowed_providers;
      if (providers) {
        const before = remaining;
        remaining = remaining.filter((c) => providers.includes(c.providerId));
        if (remaining.length === 0) {
          throw violation('provider_not_allowed', `No allowed provider serves this model for this ${scopeName(p)}.`, 'Pick a model an allowed provider serves, or ask the workspace owner to allow the provider.', p, {
            providers: [...new Set(before.map((c) => c.providerId))],
            allowed_providers: providers,
          });
        }
      }
    }
    return remaining;
  }

  /**
   * Counts the request against every requests-per-minute/day limit and checks tokens-per-minute, across replicas
   * (from this process's leases when it holds some, see AdmissionLeases). Returns the tightest requests-per-minute
   * status for the X-RateLimit headers, and the violation to answer with when a limit is reached (nothing was counted
   * then). With `slot`, a stream slot is taken at the same time, and kept only when every limit passes; a full slot
   * set is the violation then (and nothing is counted).
   */
  async admit(policies: ScopedPolicy[], key: GuardedCaller, nowMs = Date.now(), slot?: StreamSlotClaim): Promise<{ status?: RateLimitStatus; violation?: AppError }> {
    const minute = minuteWindow(nowMs);
    const day = dayWindow(nowMs);
    const limits: Array<{ code: ErrorCode; p: ScopedPolicy; limit: number; window: Window; mode: 'incr' | 'check'; kind: string }> = [];
    for (const p of this.withDefaultRate(policies, key)) {
      const { requests_per_minute: rpm, requests_per_day: rpd, tokens_per_minute: tpm } = p.policy;
      if (rpm) limits.push({ code: 'requests_per_minute_exceeded', p, limit: rpm, window: minute, mode: 'incr', kind: 'rpm' });
      if (rpd) limits.push({ code: 'requests_per_day_exceeded', p, limit: rpd, window: day, mode: 'incr', kind: 'rpd' });
      if (tpm) limits.push({ code: 'tokens_per_minute_exceeded', p, limit: tpm, window: minute, mode: 'check', kind: 'tpm' });
    }
    if (limits.length === 0 && !slot) return {};
    const counters = limits.map((l) => ({ key: counterKey(l.kind, l.p, l.window), limit: l.limit, ttlMs: counterTtlMs(l.window, nowMs), mode: l.mode, endsAtMs: l.window.endsAtMs }));
    const result = await this.admitWithSlot(counters.length > 0 ? this.leases.admit(counters, nowMs) : undefined, slot);
    if (result === 'slot_full') return { violation: streamSlotsFull(slot?.limit ?? 0) };
    if (!result) return {};
    if (!result.admitted) {
      const l = limits[result.reached];
      const retryAfterMs = Math.max(1, l.window.endsAtMs - nowMs);
      const unit = l.kind === 'tpm' ? 'tokens per minute' : l.kind === 'rpm' ? 'requests per minute' : 'requests per day';
      const error = violation(l.code, `This ${scopeName(l.p)} is limited to ${l.limit} ${unit}.`, `Retry after ${Math.ceil(retryAfterMs / 1000)} s, or ask for a higher limit.`, l.p, {
        limit: l.limit,
        used: result.count,
        reset_at: new Date(l.window.endsAtMs).toISOString(),
      }, retryAfterMs);
      return { violation: error, ...(l.kind === 'rpm' ? { status: { limit: l.limit, remaining: 0, resetAtMs: l.window.endsAtMs } } : {}) };
    }
    let tightest: RateLimitStatus | undefined;
    limits.forEach((l, i) => {
      if (l.kind !== 'rpm') return;
      const remaining = Math.max(0, l.limit - result.counts[i]);
      if (!tightest || remaining < tightest.remaining) tightest = { limit: l.limit, remaining, resetAtMs: l.window.endsAtMs };
    });
    return { status: tightest };
  }

  /**
   * The counters and the slot are taken side by side (each usually without Redis; when both need it, their calls
   * leave together). Both pass or neither is kept: the request's units or its slot are given back to this process.
   */
  private async admitWithSlot(counting: Promise<AdmissionResult> | undefined, slot: StreamSlotClaim | undefined): Promise<AdmissionResult | 'slot_full' | undefined> {
    const taking = slot ? this.streamSlots.acquire(slot.scopeId, slot.streamId, slot.limit, slot.holdMs) : undefined;
    const [counted, taken] = await Promise.allSettled([counting, taking]);
    const admitted = counted.status === 'fulfilled' && counted.value?.admitted === true ? counted.value : undefined;
    const slotHeld = taken.status === 'fulfilled' && taken.value === true;
    const giveBack = async () => {
      if (admitted) admitted.undo();
      if (slot && slotHeld) await this.streamSlots.release(slot.scopeId, slot.streamId);
    };
    if (counted.status === 'rejected' || taken.status === 'rejected') {
      await giveBack().catch(() => undefined);
      throw counted.status === 'rejected' ? counted.reason : (taken as PromiseRejectedResult).reason;
    }
    if (slot && !slotHeld) {
      await giveBack();
      return 'slot_full';
    }
    if (counted.value && !counted.value.admitted && slotHeld) await giveBack();
    return counted.value;
  }

  /** A key without a requests-per-minute limit of its own gets the gateway default (RATE_LIMIT_DEFAULT_RPM, 0 = none). */
  private withDefaultRate(policies: ScopedPolicy[], key: GuardedCaller): ScopedPolicy[] {
    const fallback = this.env.RATE_LIMIT_DEFAULT_RPM;
    if (fallback === 0 || policies.some((p) => p.scope === 'key' && p.policy.requests_per_minute)) return policies;
    // Without a key (a wallet's chat), the default limit counts per wallet in its workspace.
    return [...policies, { scope: 'key', scopeId: key.apiKeyId ?? key.rateScopeId ?? `workspace:${key.workspaceId}`, policy: { requests_per_minute: fallback } }];
  }

  /**
   * The per-request cost cap: the hold is lowered to the cap (so the upstream `max_tokens` shrinks with it);
   * refused only when even the smallest worthwhile answer would cost more.
   */
  capHold(policies: ScopedPolicy[], amountMicros: bigint, minAmountMicros: bigint): bigint {
    let amount = amountMicros;
    for (const p of policies) {
      const cap = p.policy.max_cost_per_request_micros;
      if (cap == null) continue;
      if (minAmountMicros > cap) {
        throw violation('per_request_cost_limit_exceeded', `This request could cost more than the ${scopeName(p)}'s per-request limit.`, 'Shorten the prompt, lower max_tokens, or use a cheaper model.', p, {
          limit_micros: cap.toString(),
          minimum_cost_micros: minAmountMicros.toString(),
        });
      }
      if (amount > cap) amount = cap;
    }
    return amount;
  }

  /** Reserves the hold on every daily/monthly budget (in-flight requests count), lowering it to what fits. */
  async reserveBudget(policies: ScopedPolicy[], amountMicros: bigint, minAmountMicros: bigint, nowMs = Date.now()): Promise<BudgetReservation | undefined> {
    const budgets: Array<{ code: ErrorCode; p: ScopedPolicy; limit: bigint; window: Window; period: string }> = [];
    for (const p of policies) {
      if (p.policy.daily_budget_micros != null) budgets.push({ code: 'daily_budget_exceeded', p, limit: p.policy.daily_budget_micros, window: dayWindow(nowMs), period: 'daily' });
      if (p.policy.monthly_budget_micros != null) budgets.push({ code: 'monthly_budget_exceeded', p, limit: p.policy.monthly_budget_micros, window: monthWindow(nowMs), period: 'monthly' });
      if (p.policy.credit_limit_micros != null) {
        const reset = p.policy.credit_limit_reset ?? 'never';
        budgets.push({ code: 'key_credit_limit_exceeded', p, limit: p.policy.credit_limit_micros, window: resetWindow(reset, nowMs), period: `credit-${reset}` });
      }
    }
    if (budgets.length === 0) return undefined;
    const keys = budgets.map((b) => counterKey(`budget-${b.period}`, b.p, b.window));
    const result = await this.counters.reserve(budgets.map((b, i) => ({ key: keys[i], limit: b.limit, ttlMs: counterTtlMs(b.window, nowMs) })), amountMicros, minAmountMicros);
    if (result.short !== undefined) {
      const b = budgets[result.short];
      const resets = b.window.endsAtMs !== Number.MAX_SAFE_INTEGER;
      const what = b.code === 'key_credit_limit_exceeded' ? `credit limit` : `${b.period} budget`;
      throw violation(b.code, `This ${scopeName(b.p)}'s ${what} is spent (requests in flight count).`, resets ? `Wait until ${new Date(b.window.endsAtMs).toISOString()} or raise the limit.` : 'Raise the limit or use another key.', b.p, {
        limit_micros: b.limit.toString(),
        used_micros: (result.used ?? 0n).toString(),
        reset_at: resets ? new Date(b.window.endsAtMs).toISOString() : null,
      });
    }
    return { keys, grantedMicros: result.granted ?? 0n };
  }

  /** A key's credit limit and what is left of it in the current window (OpenRouter's `GET /api/v1/key`). */
  async creditLimitStatus(policies: ScopedPolicy[], nowMs = Date.now()): Promise<{ limitMicros: bigint; usedMicros: bigint; reset: string; resetAt: string | null } | undefined> {
    const p = policies.find((x) => x.scope === 'key' && x.policy.credit_limit_micros != null);
    if (!p || p.policy.credit_limit_micros == null) return undefined;
    const reset = p.policy.credit_limit_reset ?? 'never';
    const window = resetWindow(reset, nowMs);
    const used = await this.counters.read(counterKey(`budget-credit-${reset}`, p, window));
    return { limitMicros: p.policy.credit_limit_micros, usedMicros: used, reset, resetAt: window.endsAtMs === Number.MAX_SAFE_INTEGER ? null : new Date(window.endsAtMs).toISOString() };
  }

  /** At the end of a request: give back the unspent reservation and count its tokens per minute. */
  async settle(policies: ScopedPolicy[], reservation: BudgetReservation | undefined, costMicros: bigint, tokens: number, nowMs = Date.now()): Promise<void> {
    if (reservation) await this.counters.release(reservation.keys, reservation.grantedMicros - costMicros);
    const minute = minuteWindow(nowMs);
    const tpm = policies.filter((p) => p.policy.tokens_per_minute).map((p) => ({ key: counterKey('tpm', p, minute), ttlMs: counterTtlMs(minute, nowMs) }));
    if (tokens > 0) this.leases.noteAdded(tpm.map((c) => c.key), tokens);
    await this.counters.add(tpm, tokens);
  }
}

function counterKey(kind: string, p: ScopedPolicy, window: Window): string {
  return `guardrail:${kind}:${p.scope}:${p.scopeId}:${window.id}`;
}

function violation(code: ErrorCode, message: string, suggestedAction: string, p: ScopedPolicy, details: Record<string, unknown>, retryAfterMs?: number): AppError {
  return new AppError(code, message, { suggestedAction, details: { scope: p.scope, ...details }, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

export function rateLimitHeaders(status: RateLimitStatus): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(status.limit),
    'X-RateLimit-Remaining': String(status.remaining),
    // Unix seconds when the window resets.
    'X-RateLimit-Reset': String(Math.ceil(status.resetAtMs / 1000)),
  };
}
