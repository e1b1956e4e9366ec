import { Inject, Injectable, Logger } from '@nestjs/common';
import { type TokenUsage, ZERO_USAGE } from '@switchyard/contracts';
import { AppError, toAppError } from '@switchyard/errors';
import { microsToUsd } from '@switchyard/money';
import { type EndpointPrice, PriceTable, quoteCostMicros, quoteWorstCaseMicros } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthService } from '../../auth/api-key-auth.service';
import { CLIENT_DISCONNECTED, clientDisconnectSignal, clientLeftBeforeUpstream } from '../../metering/client-disconnect';
import { newRequestId } from '../../metering/request-id';
import { GATEWAY_ENV, type GatewayEnv } from '../../config/gateway.env';
import { CompletionPublisher, type RequestCompletedPayload } from '../../metering/completion.publisher';
import { LedgerClient } from '../../metering/ledger.client';
import { ProviderRegistry } from '../../providers/provider-registry';
import { abortScope } from '../../upstream/abort-scope';
import { countEmbeddingTokens, embeddingTokensUpperBound } from './embeddings-tokens';
import type { EmbeddingsRequestBody } from './embeddings.schema';
import { InFlightHandlers } from '../../metering/in-flight-handlers';

type Attempt = RequestCompletedPayload['attempts'][number];

/** Upstream failures worth trying the next endpoint for. */
const FALLBACK_CODES = new Set(['upstream_rate_limited', 'upstream_error', 'upstream_timeout', 'service_unavailable']);

/** What one embeddings request did, for `gateway.request.completed`. */
interface EmbeddingsOutcome {
  served?: EndpointPrice;
  usage: TokenUsage;
  outcome: RequestCompletedPayload['outcome'];
  errorCode: string | null;
  attempts: Attempt[];
  /** Publishes the completion and waits for its ack (bounded) before the answer is sent; see CompletionPublisher.publishBeforeAnswer. */
  publishBeforeAnswer?: () => Promise<void>;
}

/**
 * `POST /v1/embeddings`: authenticate → the model's enabled endpoints, cheapest first → hold the worst case
 * (every input byte a token) → provider (falling over on upstream trouble) → respond with usage and exact cost →
 * publish the completion (prompt tokens only), which billing captures.
 */
@Injectable()
export class EmbeddingsService {
  private readonly logger = new Logger(EmbeddingsService.name);

  constructor(
    private readonly auth: ApiKeyAuthService,
    private readonly priceTable: PriceTable,
    private readonly providers: ProviderRegistry,
    private readonly ledger: LedgerClient,
    private readonly publisher: CompletionPublisher,
    private readonly inFlight: InFlightHandlers,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  /** Counted in flight until it settles: shutdown waits for its completion to be handed to the publisher. */
  handle(body: EmbeddingsRequestBody, httpRequest: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.inFlight.track(() => this.embed(body, httpRequest, reply));
  }

  private async embed(body: EmbeddingsRequestBody, httpRequest: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = newRequestId();
    const startedAt = new Date();
    reply.header('x-request-id', requestId).header('x-switchyard-request-id', requestId).header('X-Generation-Id', requestId);

    const key = await this.auth.authenticate(httpRequest);
    const candidates = this.candidates(body.model);
    const markup = this.env.PRICING_MARKUP_BASIS_POINTS;
    const tokensMax = embeddingTokensUpperBound(body.input);
    const amountMicros = quoteWorstCaseMicros(candidates[0], tokensMax, 0, markup);
    const hold = await this.ledger.placeHold({
      holdId: requestId,
      workspaceId: key.workspaceId,
      amountMicros,
      minAmountMicros: amountMicros,
      metadata: { apiKeyId: key.apiKeyId, requestedModel: body.model },
    });

    const clientGone = clientDisconnectSignal(reply.raw);
    const result: EmbeddingsOutcome = { usage: { ...ZERO_USAGE }, outcome: 'failed', errorCode: null, attempts: [] };
    let published = false;
    const completion = (): RequestCompletedPayload => {
      const completedAt = new Date();
      const header = httpRequest.headers['x-switchyard-user'];
      return {
        requestId,
        holdId: hold.holdId,
        workspaceId: key.workspaceId,
        apiKeyId: key.apiKeyId,
        requestedModel: body.model,
        modelId: result.served?.modelId ?? null,
        providerId: result.served?.providerId ?? null,
        surface: 'embeddings',
        streamed: false,
        outcome: result.outcome,
        usage: result.usage,
        webSearchRequests: 0,
        errorCode: result.outcome === 'succeeded' ? null : result.errorCode,
        attempts: result.attempts.slice(0, 20),
        startedAt: startedAt.toISOString(),
        completedAt: completedAt.toISOString(),
        latencyMs: Math.max(0, completedAt.getTime() - startedAt.getTime()),
        ttftMs: null,
        endUserId: (typeof header === 'string' ? header : (body.user ?? null))?.slice(0, 256) ?? null,
      };
    };
    // An answer the client receives in full must be billed even if this process dies right after sending it.
    result.publishBeforeAnswer = () => {
      published = true;
      return this.publisher.publishBeforeAnswer(completion());
    };
    try {
      // Gone while it was being authenticated or held: nothing was sent upstream, so nothing is billed.
      if (clientGone.aborted) {
        result.outcome = 'client_aborted';
        throw clientLeftBeforeUpstream();
      }
      await this.serve(body, candidates, tokensMax, hold.heldMicros, clientGone, reply, result);
    } catch (error) {
      result.errorCode = toAppError(error).code;
      throw error;
    } finally {
      if (!published) this.publisher.publishInBackground(completion());
    }
  }

  /** Enabled endpoints of an embedding model, cheapest first; none → model_not_found (never priced at $0). */
  private candidates(modelId: string): EndpointPrice[] {
    const endpoints = this.priceTable
      .endpointsFor(modelId)
      .filter((e) => e.supports.has('embeddings') && this.providers.embeddings(e.providerId))
      .sort((a, b) => (a.inputMicrosPerMtok < b.inputMicrosPerMtok ? -1 : a.inputMicrosPerMtok > b.inputMicrosPerMtok ? 1 : 0));
    if (endpoints.length === 0) {
      throw new AppError('model_not_found', `The embedding model '${modelId}' does not exist or no enabled provider serves it.`, { param: 'model' });
    }
    return endpoints;
  }

  private async serve(
    body: EmbeddingsRequestBody,
    candidates: EndpointPrice[],
    tokensMax: number,
    heldMicros: bigint,
    clientSignal: AbortSignal,
    reply: FastifyReply,
    result: EmbeddingsOutcome,
  ): Promise<void> {
    const markup = this.env.PRICING_MARKUP_BASIS_POINTS;
    let lastError: AppError | undefined;
    for (const candidate of candidates) {
      const adapter = this.providers.embeddings(candidate.providerId);
      if (!adapter) continue;
      if (quoteWorstCaseMicros(candidate, tokensMax, 0, markup) > heldMicros) {
        result.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'failed', errorCode: 'insufficient_balance', latencyMs: 0 });
        continue;
      }
      const attemptStartMs = Date.now();
      const attempt = abortScope([clientSignal], this.env.UPSTREAM_TIMEOUT_MS);
      const signal = attempt.signal;
      try {
        const embeddings = await adapter.embed({ input: body.input, encoding_format: body.encoding_format, dimensions: body.dimensions, user: body.user }, candidate.upstreamModel, signal);
        result.attempts.push({ providerId: candidate.providerId, modelId: candidate.modelId, outcome: 'succeeded', latencyMs: Date.now() - attemptStartMs });
        result.served = candidate;
        result.usage = { ...ZERO_USAGE, promptTokens: embeddings.promptTokens ?? countEmbeddingTokens(body.input) };
        result.outcome = clientSignal.aborted ? 'client_aborted' : 'succeeded';
        const costMicros = quoteCostMicros(candidate, result.usage, markup);
        await result.publishBeforeAnswer?.();
        await reply
          .code(200)
          .headers({ 'x-switchyard-model': candidate.modelId, 'x-switchyard-provider': candidate.providerId, 'content-type': 'application/json; charset=utf-8' })
          .send({
            object: 'list',
            data: embeddings.data.map((item) => ({ object: 'embedding', index: item.index, embedding: item.embedding })),
            model: candidate.modelId,
            provider: candidate.providerId,
            usage: { prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.promptTokens, cost: microsToUsd(costMicros), cost_micros: costMicros.toString() },
          });
        return;
      } catch (error) {
        const appError = upstreamError(error, signal);
        const upstreamStatus = appError.details?.upstream_status;
        result.attempts.push({
          providerId: candidate.providerId,
          modelId: candidate.modelId,
          outcome: clientSignal.aborted ? 'aborted' : 'failed',
          errorCode: appError.code,
          ...(typeof upstreamStatus === 'number' ? { httpStatus: upstreamStatus } : {}),
          latencyMs: Date.now() - attemptStartMs,
        });
        if (clientSignal.aborted) {
          // The input reached this endpoint: bill it at this endpoint's price.
          result.served = candidate;
          result.usage = { ...ZERO_USAGE, promptTokens: countEmbeddingTokens(body.input) };
          result.outcome = 'client_aborted';
          throw appError;
        }
        this.logger.warn({ provider: candidate.providerId, code: appError.code }, 'embeddings upstream attempt failed');
        if (!FALLBACK_CODES.has(appError.code)) throw appError;
        lastError = appError;
      } finally {
        attempt.dispose();
      }
    }
    throw lastError ?? new AppError('insufficient_balance', 'Insufficient credits to serve this request on any provider.');
  }
}

function upstreamError(error: unknown, signal: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') && !(signal.reason instanceof Error && signal.reason.message === CLIENT_DISCONNECTED)) {
    return new AppError('upstream_timeout', 'The provider did not answer in time.', { cause: error });
  }
  return new AppError('upstream_error', 'The provider failed.', { cause: error });
}
