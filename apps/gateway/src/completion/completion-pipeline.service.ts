import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChatRequest, FinishReason, TokenUsage } from '@switchyard/contracts';
import { AppError, toAppError } from '@switchyard/errors';
import { notBilledReason } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AgentPaymentsService } from '../agent-payments/agent-payments.service';
import { ApiKeyAuthService, type AuthenticatedKey, extractApiKey } from '../auth/api-key-auth.service';
import { looksLikeAccessToken } from '../accounts/session-token.codec';
import { presentedCredential } from '../auth/credentials';
import { SessionAuthService } from '../auth/session-auth.service';
import { sameOrigin } from '../auth/workspace-auth.guard';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { clientDisconnectSignal, clientLeftBeforeUpstream, whenResponseEnded } from '../metering/client-disconnect';
import { CompletionPublisher, type RequestCompletedPayload } from '../metering/completion.publisher';
import { type HoldExtras, type HoldPlan, outputTokensCoveredByHold, planHold, promptTokensUpperBound, requestedOutputTokens } from '../metering/hold-sizing';
import { HoldPool } from '../metering/hold-pool';
import { InFlightHandlers } from '../metering/in-flight-handlers';
import { newRequestId } from '../metering/request-id';
import type { PlacedHold } from '../metering/ledger.client';
import { countPromptTokens, countTextTokens } from '../metering/token-counter';
import type { CanonicalDelta, ProviderAdapter } from '../providers/provider-adapter';
import { ProviderRegistry } from '../providers/provider-registry';
import { ProviderKeysService, type ServingCandidate } from '../byok/provider-keys.service';
import { type BudgetReservation, GuardrailsService, rateLimitHeaders } from '../guardrails/guardrails.service';
import type { ScopedPolicy } from '../guardrails/guardrail-policy';
import { requestCostMicros } from '../metering/usage-body';
import { searchContextTokensMax, withSearchResults } from '../plugins/web-search/web-search-context';
import { searchQuery, type WebSearchAsk, webSearchAsk } from '../plugins/web-search/web-search.request';
import { WebSearchClient } from '../plugins/web-search/web-search.client';
import type { WebSource } from '../plugins/web-search/web-source';
import { SseResponse } from '../streaming/sse-response';
import { RequestContentCapture } from '../metering/request-content.capture';
import { WorkspaceSettingsService } from '../workspace-settings/workspace-settings.service';
import { StreamSlotsStore } from '../streaming/stream-slots.store';
import { releaseStreamSlotAtEnd, streamSlotClaim, streamTooLong } from '../streaming/stream-limits';
import { SsrfGuard } from '../upstream/ssrf-guard';
import { abortScope } from '../upstream/abort-scope';
import { checkRequestLimits, userMediaUrls } from './request-limits';
import type { ResponseSurface, ServedResponse } from './response-surface';
import { decideRetry, sleepUnlessAborted } from './retry-policy';
import { RouteCandidatesService, type RoutedRequest } from './route-candidates.service';

type Attempt = RequestCompletedPayload['attempts'][number];

/**
 * Who pays for a completion: an inference key (or a paying agent's), or — on the chat surface only — a signed-in
 * wallet's dashboard session (no key: usage is the workspace's, only workspace guardrails apply). `scopeId` names
 * the caller for stream slots and the default rate limit: the key, or the wallet in its workspace.
 */
export interface CompletionCaller {
  workspaceId: string;
  apiKeyId: string | null;
  scopeId: string;
}

export interface PipelineOptions {
  /** Accept the dashboard's session cookie from this gateway's own pages (the Origin must name this host). */
  sessionCookie?: boolean;
}

const fromKey = (key: AuthenticatedKey): CompletionCaller => ({ workspaceId: key.workspaceId, apiKeyId: key.apiKeyId, scopeId: key.apiKeyId });
type Outcome = RequestCompletedPayload['outcome'];

/** Everything known about one request after its hold was placed; becomes `gateway.request.completed`. */
interface RequestState {
  requestId: string;
  key: CompletionCaller;
  request: ChatRequest;
  startedAt: Date;
  startedMs: number;
  hold: PlacedHold;
  plan: HoldPlan;
  attempts: Attempt[];
  served?: ServingCandidate;
  outcome: Outcome;
  usage: TokenUsage;
  errorCode: string | null;
  ttftMs: number | null;
  /** Aborted when the client goes away before its response is complete. */
  clientGone: AbortSignal;
  surface: ResponseSurface;
  webSearchRequests: number;
  sources: WebSource[];
  policies: ScopedPolicy[];
  budget?: BudgetReservation;
  route: RoutedRequest;
  /** What this request may spend: its hold (a pre-placed one can be larger), within the cost cap and budget. */
  spendableMicros: bigint;
  /** The prompt and answer, collected only when the workspace opted in to content logging. */
  content?: RequestContentCapture;
  /** Publishes the completion now and waits for its ack (bounded): called before a served answer's last bytes go out. */
  publishBeforeAnswer?: () => Promise<void>;
}

/** A signal that aborts `delayMs` after `signal` does. */
function abortedLater(signal: AbortSignal, delayMs: number): AbortSignal {
  const later = new AbortController();
  signal.addEventListener('abort', () => setTimeout(() => later.abort(signal.reason), delayMs).unref(), { once: true });
  return later.signal;
}

/** How many leading candidates the hold is sized for (fallbacks further down get what is left). */
const HOLD_SIZED_CANDIDATES = 3;

function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function headerText(value: string | string[] | undefined, max: number): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, max) : null;
}

/**
 * The hot path for every surface: authenticate → route → hold → provider (with fallbacks) → respond → publish
 * completion. It works on the canonical request and answer; the surface renders them in its dialect.
 */
@Injectable()
export class CompletionPipeline {
  private readonly logger = new Logger(CompletionPipeline.name);

  constructor(
    private readonly auth: ApiKeyAuthService,
    private readonly routes: RouteCandidatesService,
    private readonly holds: HoldPool,
    private readonly providers: ProviderRegistry,
    private readonly publisher: CompletionPublisher,
    private readonly webSearch: WebSearchClient,
    private readonly guardrails: GuardrailsService,
    private readonly providerKeys: ProviderKeysService,
    private readonly agentPayments: AgentPaymentsService,
    private readonly workspaceSettings: WorkspaceSettingsService,
    private readonly ssrfGuard: SsrfGuard,
    private readonly streamSlots: StreamSlotsStore,
    private readonly sessions: SessionAuthService,
    private readonly inFlight: InFlightHandlers,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  /** Counted in flight until it settles: shutdown waits for its completion to be handed to the publisher. */
  handle(body: ChatRequest, surface: ResponseSurface, httpRequest: FastifyRequest, reply: FastifyReply, options: PipelineOptions = {}): Promise<void> {
    return this.inFlight.track(() => this.serve(body, surface, httpRequest, reply, options));
  }

  private async serve(body: ChatRequest, surface: ResponseSurface, httpRequest: FastifyRequest, reply: FastifyReply, options: PipelineOptions): Promise<void> {
    const requestId = newRequestId();
    const startedAt = new Date();
    reply.header('x-request-id', requestId).header('x-switchyard-request-id', requestId).header('X-Generation-Id', requestId);

    checkRequestLimits(body, { messagesMax: this.env.GATEWAY_MESSAGES_MAX, imageBytesMax: this.env.GATEWAY_IMAGE_BYTES_MAX });
    const searchAsk = webSearchAsk(body);
    if (searchAsk && !this.webSearch.isConfigured) throw new AppError('invalid_request', 'Web search is not configured on this gateway.', { param: 'plugins' });
    const routed = searchAsk ? { ...body, model: searchAsk.model } : body;
    const extras = searchAsk ? { promptTokens: searchContextTokensMax(searchAsk.maxResults), feeMicros: this.env.WEB_SEARCH_FEE_MICROS } : undefined;
    const key = (options.sessionCookie ? await this.sessionCaller(httpRequest) : undefined) ?? (await this.authenticate(httpRequest, reply, routed, extras));
    // Before any counter or hold moves: a refused request changes nothing.
    for (const { url, param } of userMediaUrls(routed)) await this.ssrfGuard.checkUrl(url, param);
    const policies = await this.guardrails.policiesFor(key);
    const content = (await this.workspaceSettings.storesContent({ workspaceId: key.workspaceId, apiKeyId: key.apiKeyId ?? key.scopeId })) ? new RequestContentCapture(this.env.CONTENT_LOGGING_BYTES_MAX, body.messages) : undefined;
    this.guardrails.checkRequestedModel(policies, routed.model);
    // Rate limits and the stream slot, usually from this process's leases: both pass, or nothing is counted or taken.
    const slot = body.stream ? streamSlotClaim(this.env, key.scopeId, requestId) : undefined;
    const admission = await this.guardrails.admit(policies, { ...key, rateScopeId: key.scopeId }, Date.now(), slot);
    if (admission.status) reply.headers(rateLimitHeaders(admission.status));
    if (admission.violation) throw admission.violation;
    if (slot) releaseStreamSlotAtEnd(this.streamSlots, key.scopeId, requestId, reply, this.logger);
    const strategyHeader = httpRequest.headers['x-routing-strategy'];
    const route = this.routes.route(routed, typeof strategyHeader === 'string' ? strategyHeader : undefined, await this.providerKeys.providersWithKeys(key.workspaceId));
    const candidates = await this.providerKeys.withWorkspaceKeys(key.workspaceId, this.guardrails.allowedCandidates(policies, route.candidates));
    // The hold covers the search results' tokens (bounded) and the fee, so searching happens after it.
    const plan = this.planForCandidates(routed, candidates, extras);
    // The cost cap and the budgets may lower the hold; max_tokens then shrinks to what it covers.
    const capped = this.guardrails.capHold(policies, plan.amountMicros, plan.minAmountMicros);
    const budget = await this.guardrails.reserveBudget(policies, capped, plan.minAmountMicros);
    let hold: PlacedHold;
    try {
      hold = await this.holds.acquire({
        requestId,
        workspaceId: key.workspaceId,
        amountMicros: budget?.grantedMicros ?? capped,
        minAmountMicros: plan.minAmountMicros,
        metadata: { ...(key.apiKeyId ? { apiKeyId: key.apiKeyId } : { caller: key.scopeId }), requestedModel: body.model },
      });
    } catch (error) {
      await this.guardrails.settle(policies, budget, 0n, 0).catch(() => undefined);
      throw error;
    }

    const endUser = httpRequest.headers['x-switchyard-user'];
    const state: RequestState = {
      requestId,
      key,
      request: routed,
      startedAt,
      startedMs: Date.now(),
      hold,
      plan,
      attempts: [],
      outcome: 'failed',
      usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      errorCode: null,
      ttftMs: null,
      clientGone: clientDisconnectSignal(reply.raw),
      surface,
      webSearchRequests: 0,
      sources: [],
      policies,
      budget,
      route,
      spendableMicros: minBigint(hold.heldMicros, budget?.grantedMicros ?? capped),
      content,
    };
    const handled = this.publishWhenEnded(httpRequest, reply, state, typeof endUser === 'string' ? endUser : (body.user ?? null));

    try {
      // Gone while it was being authenticated or held: nothing was sent upstream, so nothing is billed.
      if (state.clientGone.aborted) throw clientLeftBeforeUpstream();
      if (searchAsk) await this.searchTheWeb(state, searchAsk);
      if (body.stream) await this.stream(state, candidates, reply);
      else await this.complete(state, candidates, reply);
    } catch (error) {
      const appError = toAppError(error);
      state.errorCode ??= appError.code;
      if (state.clientGone.aborted) state.outcome = 'client_aborted';
      throw appError;
    } finally {
      handled();
    }
  }

  private async complete(state: RequestState, candidates: ServingCandidate[], reply: FastifyReply): Promise<void> {
    let lastError: AppError | undefined;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index];
      const upstreamRequest = this.limitOutput(state, candidate);
      if (!upstreamRequest) continue;
      const attemptStartMs = Date.now();
      const attempt = abortScope([this.upstreamSignal(state, candidate)], this.env.UPSTREAM_TIMEOUT_MS);
      const signal = attempt.signal;
      try {
        const adapter = this.adapterFor(candidate);
        if (!adapter) continue;
        const result = await adapter.complete(upstreamRequest, candidate.upstreamModel, signal);
        state.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'succeeded', latencyMs: Date.now() - attemptStartMs });
        state.served = candidate;
        state.usage = result.usage;
        state.content?.completed(result);
        state.ttftMs = Date.now() - state.startedMs;
        state.outcome = state.clientGone.aborted ? 'client_aborted' : 'succeeded';
        const body = state.surface.completionBody(this.served(state, candidate), result);
        await state.publishBeforeAnswer?.();
        await reply.code(200).headers(this.servedHeaders(candidate)).header('content-type', 'application/json; charset=utf-8').send(body);
        return;
      } catch (error) {
        const appError = this.upstreamError(error, signal);
        this.recordFailure(state, candidate, attemptStartMs, appError);
        if (state.clientGone.aborted) {
          this.chargePromptOnAbort(state, candidate);
          throw appError;
        }
        lastError = appError;
        if ((await this.afterFailedAttempt(state, candidates, index, candidate, appError)) === 'retry_same') index--;
      } finally {
        attempt.dispose();
      }
    }
    throw lastError ?? this.unaffordable();
  }

  private async stream(state: RequestState, candidates: ServingCandidate[], reply: FastifyReply): Promise<void> {
    const sse = new SseResponse(reply, this.env.STREAM_KEEPALIVE_MS, state.surface.keepAliveComments);
    const streamDeadline = abortScope([], this.env.GATEWAY_STREAM_DURATION_MS_MAX);
    const durationCap = streamDeadline.signal;
    let current: ServingCandidate = candidates[0];
    sse.startKeepAlive(() => this.servedHeaders(current));
    let lastError: AppError | undefined;
    try {
      for (let index = 0; index < candidates.length; index++) {
        const candidate = candidates[index];
        current = candidate;
        const upstreamRequest = this.limitOutput(state, candidate);
        const adapter = this.adapterFor(candidate);
        if (!upstreamRequest || !adapter) continue;
        const failure = await this.streamAttempt(state, candidate, adapter, upstreamRequest, sse, durationCap);
        if (!failure) return;
        lastError = failure;
        if ((await this.afterFailedAttempt(state, candidates, index, candidate, failure)) === 'retry_same') index--;
      }
      throw lastError ?? this.unaffordable();
    } catch (error) {
      const appError = toAppError(error);
      if (!sse.isOpen) throw appError;
      // Headers already went out (keep-alive): the error becomes the last chunk.
      state.errorCode = appError.code;
      await sse.sendAll(state.surface.streamWriter(this.served(state, current)).fail(appError, state.usage));
    } finally {
      streamDeadline.dispose();
      sse.end(state.surface.streamTerminator);
    }
  }

  /**
   * One candidate's stream, inside its own abort scope: undefined once the stream is served (or the client left
   * before its first delta), the failure when the candidate failed before its first delta.
   */
  private async streamAttempt(
    state: RequestState,
    candidate: ServingCandidate,
    adapter: ProviderAdapter,
    upstreamRequest: ChatRequest,
    sse: SseResponse,
    durationCap: AbortSignal,
  ): Promise<AppError | undefined> {
    const attemptStartMs = Date.now();
    const attempt = abortScope([this.upstreamSignal(state, candidate), durationCap]);
    try {
      const iterator = adapter.stream(upstreamRequest, candidate.upstreamModel, attempt.signal)[Symbol.asyncIterator]();
      let first: IteratorResult<CanonicalDelta>;
      try {
        first = await iterator.next();
        if (!first.done && first.value.type === 'started') {
          sse.open(this.servedHeaders(candidate));
          first = await iterator.next();
        }
      } catch (error) {
        if (durationCap.aborted && !state.clientGone.aborted) throw this.streamTooLong();
        const appError = this.upstreamError(error, state.clientGone);
        this.recordFailure(state, candidate, attemptStartMs, appError);
        if (!state.clientGone.aborted) return appError;
        this.chargePromptOnAbort(state, candidate);
        return undefined;
      }
      state.served = candidate;
      state.ttftMs = Date.now() - state.startedMs;
      sse.open(this.servedHeaders(candidate));
      await this.relay(state, candidate, sse, iterator, first, attemptStartMs, durationCap);
      return undefined;
    } finally {
      attempt.dispose();
    }
  }

  private streamTooLong(): AppError {
    return streamTooLong(this.env);
  }

  /** Relays one provider stream after its first delta; a mid-stream error becomes a final error chunk. */
  private async relay(
    state: RequestState,
    candidate: ServingCandidate,
    sse: SseResponse,
    iterator: AsyncIterator<CanonicalDelta>,
    first: IteratorResult<CanonicalDelta>,
    attemptStartMs: number,
    durationCap: AbortSignal,
  ): Promise<void> {
    const writer = state.surface.streamWriter(this.served(state, candidate));
    let produced = '';
    let reportedUsage: TokenUsage | undefined;
    let finishReason: FinishReason | undefined;
    const estimate = (): TokenUsage => ({
      promptTokens: countPromptTokens(state.request.messages),
      completionTokens: countTextTokens(produced),
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        const delta = next.value;
        if (delta.type === 'started') continue;
        if (delta.type === 'usage') {
          reportedUsage = delta.usage;
          continue;
        }
        state.content?.delta(delta);
        if (delta.type === 'content' || delta.type === 'reasoning') produced += delta.text;
        else if (delta.type === 'tool_calls') produced += delta.toolCalls.map((t) => `${t.function?.name ?? ''}${t.function?.arguments ?? ''}`).join('');
        else if (delta.type === 'finish') finishReason = delta.finishReason;
        await sse.sendAll(writer.delta(delta));
      }
      state.usage = reportedUsage ?? estimate();
      state.outcome = state.clientGone.aborted ? 'client_aborted' : 'succeeded';
      state.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'succeeded', latencyMs: Date.now() - attemptStartMs, ttftMs: state.ttftMs ?? undefined });
      await state.publishBeforeAnswer?.();
      await sse.sendAll(writer.finish(state.usage, finishReason));
    } catch (error) {
      const cut = durationCap.aborted && !state.clientGone.aborted;
      const appError = cut ? this.streamTooLong() : this.upstreamError(error, state.clientGone);
      state.usage = reportedUsage ?? estimate();
      await iterator.return?.().catch(() => undefined);
      if (state.clientGone.aborted) {
        state.outcome = 'client_aborted';
        state.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'aborted', latencyMs: Date.now() - attemptStartMs, ttftMs: state.ttftMs ?? undefined });
        return;
      }
      state.outcome = 'failed';
      state.errorCode = appError.code;
      this.recordFailure(state, candidate, attemptStartMs, appError);
      await state.publishBeforeAnswer?.();
      await sse.sendAll(writer.fail(appError, state.usage));
    }
  }

  /**
   * The caller: an API key; or, with agent payments on, a paying address (`Authorization: Payment …`, booked to its
   * payer workspace). A request with neither gets the 402 challenge for its worst case, sized as its paid retry will be
   * held (no guardrails or own provider keys apply to a new payer).
   */
  private async authenticate(httpRequest: FastifyRequest, reply: FastifyReply, routed: ChatRequest, extras: HoldExtras | undefined): Promise<CompletionCaller> {
    if (!this.agentPayments.enabled) return fromKey(await this.auth.authenticate(httpRequest));
    if (this.agentPayments.presentsPayment(httpRequest)) {
      const payer = await this.agentPayments.authenticate(httpRequest, reply);
      if (payer) return fromKey(payer);
    } else if (extractApiKey(httpRequest) !== undefined) {
      return fromKey(await this.auth.authenticate(httpRequest));
    }
    const strategyHeader = httpRequest.headers['x-routing-strategy'];
    const route = this.routes.route(routed, typeof strategyHeader === 'string' ? strategyHeader : undefined);
    if (route.candidates.length === 0) throw new AppError('model_not_found', `The model '${routed.model}' does not exist or no enabled provider serves it.`, { param: 'model' });
    return this.agentPayments.challenge(httpRequest, reply, this.planForCandidates(routed, route.candidates, extras).amountMicros);
  }

  /**
   * The dashboard's chat: the session cookie, only when no key or payment is presented, and only from this gateway's
   * own pages (the Origin, or the Referer, names this host — the cookie is SameSite=Strict as well). The request is the
   * workspace's, made by the wallet: workspace guardrails apply, rate and stream limits count per wallet.
   */
  private async sessionCaller(httpRequest: FastifyRequest): Promise<CompletionCaller | undefined> {
    const credential = presentedCredential(httpRequest);
    if (!credential?.fromCookie || this.agentPayments.presentsPayment(httpRequest)) return undefined;
    if (!sameOrigin(httpRequest)) throw new AppError('forbidden', 'Cross-origin request refused: cookie sessions only work from this gateway\u2019s own pages; use an API key elsewhere.');
    if (!looksLikeAccessToken(credential.value)) throw new AppError('unauthenticated', 'Invalid or expired session; sign in again or refresh it.');
    const session = await this.sessions.authenticate(credential.value, httpRequest.ip);
    return { workspaceId: session.workspaceId, apiKeyId: null, scopeId: `wallet:${session.workspaceId}:${session.address}` };
  }

  /**
   * The hold: worst case on the dearest of the first few candidates, so a fallback is not cut short by a hold sized
   * for a cheaper first choice; the least worth serving stays the first candidate's.
   */
  private planForCandidates(request: ChatRequest, candidates: ServingCandidate[], extras: HoldExtras | undefined): HoldPlan {
    const promptBound = promptTokensUpperBound(request);
    const plans = candidates.slice(0, HOLD_SIZED_CANDIDATES).map((c) => planHold(request, c.price, this.env.PRICING_MARKUP_BASIS_POINTS, extras, promptBound));
    const dearest = plans.reduce((a, b) => (b.amountMicros > a.amountMicros ? b : a));
    return { ...plans[0], amountMicros: dearest.amountMicros };
  }

  /** The client left during an attempt: the prompt reached this endpoint, so bill it at this endpoint's price (billing cannot price an unnamed model). */
  private chargePromptOnAbort(state: RequestState, candidate: ServingCandidate): void {
    state.served = candidate;
    state.usage = { ...state.usage, promptTokens: countPromptTokens(state.request.messages) };
  }

  /** The provider's adapter, with the workspace's own key when the candidate is a BYOK one. */
  private adapterFor(candidate: ServingCandidate): ProviderAdapter | undefined {
    return candidate.byok ? this.providers.withOwnKey(candidate.providerId, candidate.byok.apiKey) : this.providers.get(candidate.providerId);
  }

  /** Runs the search and gives the model its results; the search counts (and is charged) once it answered. */
  private async searchTheWeb(state: RequestState, ask: WebSearchAsk): Promise<void> {
    const sources = await this.webSearch.search(searchQuery(state.request), ask.maxResults, state.clientGone);
    state.webSearchRequests = 1;
    state.sources = sources;
    state.request = withSearchResults(state.request, sources, ask.searchPrompt, new Date());
  }

  /**
   * What cancels the upstream call: the client going away — except for providers that bill the whole generation
   * anyway, which are read on (bounded) after a disconnect so their reported usage is what gets billed.
   */
  private upstreamSignal(state: RequestState, candidate: ServingCandidate): AbortSignal {
    if (!this.env.PROVIDERS_BILLING_AFTER_ABORT.has(candidate.providerId)) return state.clientGone;
    return abortedLater(state.clientGone, this.env.DRAIN_AFTER_ABORT_MS);
  }

  /**
   * After an attempt failed before the first byte reached the client: give up (rethrows), move to the next
   * candidate, or retry this one — after the backoff or `Retry-After` the retry policy decides.
   */
  private async afterFailedAttempt(state: RequestState, candidates: ServingCandidate[], index: number, candidate: ServingCandidate, error: AppError): Promise<'next_candidate' | 'retry_same'> {
    const made = state.attempts.filter((a) => a.errorCode !== 'insufficient_balance');
    const decision = decideRetry({
      error,
      attemptsMade: made.length,
      attemptsOnThisEndpoint: made.filter((a) => a.providerId === candidate.providerId && a.modelId === candidate.modelId).length,
      hasNextCandidate: index < candidates.length - 1,
      elapsedMs: Date.now() - state.startedMs,
    });
    if (decision.action === 'give_up') throw error;
    await sleepUnlessAborted(decision.delayMs, state.clientGone);
    return decision.action;
  }

  private served(state: RequestState, candidate: ServingCandidate): ServedResponse {
    return {
      requestId: state.requestId,
      created: Math.floor(state.startedAt.getTime() / 1000),
      modelId: candidate.modelId,
      providerId: candidate.providerId,
      price: candidate.price,
      markupBasisPoints: this.env.PRICING_MARKUP_BASIS_POINTS,
      promptTokensEstimate: state.plan.promptTokensMax,
      fees: { webSearchRequests: state.webSearchRequests, webSearchFeeMicros: this.env.WEB_SEARCH_FEE_MICROS },
      sources: state.sources,
    };
  }

  /** The request with `max_tokens` lowered to what the hold covers on this endpoint; undefined if it covers nothing. */
  private limitOutput(state: RequestState, candidate: ServingCandidate): ChatRequest | undefined {
    const tokens = outputTokensCoveredByHold(
      candidate.price,
      state.plan.promptTokensMax,
      requestedOutputTokens(state.request, candidate.price),
      state.spendableMicros - state.plan.feeMicros,
      this.env.PRICING_MARKUP_BASIS_POINTS,
    );
    if (tokens < 1) {
      state.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'failed', errorCode: 'insufficient_balance', latencyMs: 0 });
      return undefined;
    }
    return state.request.max_completion_tokens != null
      ? { ...state.request, max_completion_tokens: tokens, max_tokens: undefined }
      : { ...state.request, max_tokens: tokens };
  }

  private unaffordable(): AppError {
    return new AppError('insufficient_balance', 'Insufficient credits to serve this request on any provider.');
  }

  private upstreamError(error: unknown, signal: AbortSignal): AppError {
    if (error instanceof AppError) return error;
    if (signal.aborted && !(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) {
      return new AppError('upstream_error', 'The request was aborted.', { cause: error });
    }
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new AppError('upstream_timeout', 'The provider did not answer in time.', { cause: error });
    }
    return new AppError('upstream_error', 'The provider failed.', { cause: error });
  }

  private recordFailure(state: RequestState, candidate: ServingCandidate, attemptStartMs: number, error: AppError): void {
    const httpStatus = error.details?.upstream_status;
    state.attempts.push({
      providerId: candidate.providerId,
      modelId: candidate.modelId,
      outcome: state.clientGone.aborted ? 'aborted' : 'failed',
      errorCode: error.code,
      ...(typeof httpStatus === 'number' ? { httpStatus } : {}),
      latencyMs: Date.now() - attemptStartMs,
    });
    if (!state.clientGone.aborted) this.logger.warn({ requestId: state.requestId, provider: candidate.providerId, code: error.code }, 'upstream attempt failed');
  }

  /** Gives back the unspent budget reservation and counts the tokens per minute (off the client's path). */
  private settleGuardrails(state: RequestState): void {
    if (!state.budget && !state.policies.some((p) => p.policy.tokens_per_minute)) return;
    const cost =
      state.served && !notBilledReason(state.outcome, state.usage, state.surface.name)
        ? requestCostMicros(state.usage, state.served.price, this.env.PRICING_MARKUP_BASIS_POINTS, { webSearchRequests: state.webSearchRequests, webSearchFeeMicros: this.env.WEB_SEARCH_FEE_MICROS })
        : 0n;
    this.guardrails
      .settle(state.policies, state.budget, cost, state.usage.promptTokens + state.usage.completionTokens)
      .catch((error) => this.logger.warn({ err: error, requestId: state.requestId }, 'guardrail counters not settled; budgets over-count until the window ends'));
  }

  private servedHeaders(candidate: ServingCandidate): Record<string, string> {
    return { 'x-switchyard-model': candidate.modelId, 'x-switchyard-provider': candidate.providerId };
  }

  /**
   * Publishes the completion, off the client's path, once the response ended (sent, errored or abandoned) AND
   * the handler settled: a client that disconnects mid-stream closes the socket before the relay has counted
   * the tokens already produced, and publishing then would bill (and release) an empty usage.
   * Returns the callback the handler calls when it has settled. A served answer is published earlier, before its
   * last bytes reach the client, through `state.publishBeforeAnswer` (see CompletionPublisher.publishBeforeAnswer).
   */
  private publishWhenEnded(httpRequest: FastifyRequest, reply: FastifyReply, state: RequestState, endUserId: string | null): () => void {
    let published = false;
    let ended = false;
    let handled = false;
    const publish = (beforeAnswer = false): Promise<void> => {
      if (published || (!beforeAnswer && (!ended || !handled))) return Promise.resolve();
      published = true;
      const completedAt = new Date();
      if (state.outcome !== 'succeeded' && state.clientGone.aborted) state.outcome = 'client_aborted';
      this.settleGuardrails(state);
      const payload: RequestCompletedPayload = {
        requestId: state.requestId,
        holdId: state.hold.holdId,
        workspaceId: state.key.workspaceId,
        apiKeyId: state.key.apiKeyId,
        requestedModel: state.request.model,
        modelId: state.served?.modelId ?? null,
        providerId: state.served?.providerId ?? null,
        surface: state.surface.name,
        streamed: state.request.stream === true,
        outcome: state.outcome,
        usage: state.usage,
        webSearchRequests: state.webSearchRequests,
        errorCode: state.outcome === 'succeeded' ? null : state.errorCode,
        attempts: state.attempts.slice(0, 20),
        startedAt: state.startedAt.toISOString(),
        completedAt: completedAt.toISOString(),
        latencyMs: Math.max(0, completedAt.getTime() - state.startedMs),
        ttftMs: state.ttftMs,
        endUserId: endUserId?.slice(0, 256) ?? null,
        appTitle: headerText(httpRequest.headers['x-title'], 200),
        appReferer: headerText(httpRequest.headers['http-referer'], 500),
        strategy: state.route.strategy,
        autoTier: state.route.autoTier ?? null,
        byokFeeBasisPoints: state.served?.byok?.feeBasisPoints ?? null,
        ...(state.content ? { content: state.content.toContent() } : {}),
      };
      if (beforeAnswer) return this.publisher.publishBeforeAnswer(payload);
      this.publisher.publishInBackground(payload);
      return Promise.resolve();
    };
    state.publishBeforeAnswer = () => publish(true);
    whenResponseEnded(reply.raw, () => {
      ended = true;
      void publish();
    });
    return () => {
      handled = true;
      void publish();
    };
  }
}
