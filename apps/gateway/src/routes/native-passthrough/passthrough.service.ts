import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type TokenUsage, ZERO_USAGE } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type EndpointPrice, PriceTable, quoteWorstCaseMicros } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthService, type AuthenticatedKey } from '../../auth/api-key-auth.service';
import { clientDisconnectSignal, clientLeftBeforeUpstream } from '../../metering/client-disconnect';
import { newRequestId } from '../../metering/request-id';
import { GATEWAY_ENV, type GatewayEnv } from '../../config/gateway.env';
import { CompletionPublisher, type RequestCompletedPayload } from '../../metering/completion.publisher';
import { LedgerClient } from '../../metering/ledger.client';
import { countTextTokens } from '../../metering/token-counter';
import { SseDecoder, type SseEvent } from '../../streaming/sse-decoder';
import { streamTooLong, takeStreamSlot } from '../../streaming/stream-limits';
import { StreamSlotsStore } from '../../streaming/stream-slots.store';
import { abortScope } from '../../upstream/abort-scope';
import { UpstreamHttpClient, type UpstreamResponse } from '../../upstream/upstream-http.client';
import { isClosingEvent } from './native-stream-end';
import { nativeText } from './native-text';
import { mergeUsage, usageOf } from './native-usage';
import { nativeModel, nativeOutputLimit, nativePrice, nativeStreamed, UNMETERED_METHODS } from './passthrough-metering';
import { type PassthroughTarget, passthroughTargets, passthroughUrl } from './passthrough-targets';
import { InFlightHandlers } from '../../metering/in-flight-handlers';

type Method = 'GET' | 'HEAD' | 'DELETE' | 'POST' | 'PUT' | 'PATCH';
const METHODS = new Set<string>(['GET', 'HEAD', 'DELETE', 'POST', 'PUT', 'PATCH']);
/** Response headers that describe this hop, not the body. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-authenticate', 'proxy-connection', 'upgrade', 'trailer', 'te']);
/** A JSON answer is parsed for usage up to this size; the bytes still all reach the client. */
const JSON_USAGE_BYTES_MAX = 8 * 1_048_576;
/** What a stream may send after its closing event, held back until the completion is published. */
const HELD_BYTES_MAX = 1_048_576;

interface Metering {
  price: EndpointPrice;
  holdId: string;
  requestBody: string;
}

/** What one forwarded exchange produced, as far as the gateway read it; becomes the completion event. */
interface Exchange {
  status: number;
  outcome: RequestCompletedPayload['outcome'];
  /** The provider's usage, merged over a stream's events. */
  usage?: TokenUsage;
  /** The generated text we recognised (see nativeText), and the raw payloads (bounded) for shapes we do not. */
  text: string;
  rawText: string;
  /** Cut at GATEWAY_STREAM_DURATION_MS_MAX after it started: billed for what was produced. */
  cut: boolean;
  /** The request went to the provider; a client that left before it did is not billed. */
  sent: boolean;
}

/**
 * `/{provider}/…`: a provider's own API with our auth and our provider key. Reads are forwarded as they are;
 * anything that can produce tokens is held for its worst case, streamed back byte for byte, and billed from
 * the usage in the response (counted tokens when it carries none). The money guarantees are the pipeline's: the
 * completion is published (acked) before the client can see a served answer end, and streams take a stream slot
 * and are cut at the duration limit.
 */
@Injectable()
export class PassthroughService {
  private readonly logger = new Logger(PassthroughService.name);
  private readonly targets: Map<string, PassthroughTarget>;

  constructor(
    private readonly auth: ApiKeyAuthService,
    private readonly prices: PriceTable,
    private readonly ledger: LedgerClient,
    private readonly http: UpstreamHttpClient,
    private readonly publisher: CompletionPublisher,
    private readonly streamSlots: StreamSlotsStore,
    private readonly inFlight: InFlightHandlers,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    this.targets = passthroughTargets(env);
  }

  /** Counted in flight until it settles: shutdown waits for its completion to be handed to the publisher. */
  forward(providerId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.inFlight.track(() => this.forwardCounted(providerId, request, reply));
  }

  private async forwardCounted(providerId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = await this.auth.authenticate(request);
    const target = this.targets.get(providerId);
    if (!target) throw new AppError('not_found', `No enabled provider '${providerId.slice(0, 64)}' for native pass-through.`);
    const method = request.method.toUpperCase();
    if (!METHODS.has(method)) throw new AppError('invalid_request', `Method ${method} is not forwarded.`);
    const { path, search } = this.nativePath(request.url, providerId);

    const requestId = newRequestId();
    reply.header('x-request-id', requestId);
    let body: Record<string, unknown> | undefined;
    if (!UNMETERED_METHODS.has(method)) {
      if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
        throw new AppError('invalid_request', 'Native pass-through requests that can produce tokens take a JSON object body.');
      }
      body = { ...(request.body as Record<string, unknown>) };
      // OpenAI-compatible streams only report usage when asked to.
      if (body.stream === true && target.authHeaders.authorization && path.endsWith('chat/completions')) body.stream_options = { include_usage: true };
    }
    const streamed = body !== undefined && nativeStreamed(body, path);
    // Before the hold, as in the pipeline: a refused stream changes nothing.
    if (streamed) await takeStreamSlot(this.streamSlots, this.env, key.apiKeyId, requestId, reply, this.logger);
    const metering = body ? await this.hold(key, target, path, body, requestId) : undefined;

    const headers: Record<string, string> = { ...target.authHeaders, 'accept-encoding': 'identity' };
    for (const name of target.forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (typeof request.headers.accept === 'string') headers.accept = request.headers.accept;
    if (metering) headers['content-type'] = 'application/json';

    const startedAt = new Date();
    const clientGone = clientDisconnectSignal(reply.raw);
    // Streams get the pipeline's duration cap instead of the request timeout (which still bounds each silence).
    const deadline = abortScope([clientGone], streamed ? this.env.GATEWAY_STREAM_DURATION_MS_MAX : this.env.UPSTREAM_TIMEOUT_MS);
    const exchange: Exchange = { status: 0, outcome: 'failed', text: '', rawText: '', cut: false, sent: false };
    let published = false;
    const publish = (beforeAnswer: boolean): Promise<void> => {
      if (!metering || published) return Promise.resolve();
      published = true;
      const payload = this.completion(metering, key, target, startedAt, streamed, exchange);
      if (beforeAnswer) return this.publisher.publishBeforeAnswer(payload);
      this.publisher.publishInBackground(payload);
      return Promise.resolve();
    };
    try {
      // Gone while it was being authenticated or held: nothing was sent upstream, so nothing is billed.
      if (clientGone.aborted) throw clientLeftBeforeUpstream();
      exchange.sent = true;
      const upstream = await this.http.send({
        url: passthroughUrl(target.baseUrl, path, search),
        method: method as Method,
        headers,
        body: metering?.requestBody,
        signal: deadline.signal,
        timeoutMs: this.env.UPSTREAM_TIMEOUT_MS,
      });
      exchange.status = upstream.statusCode;
      const outgoing: Record<string, string | string[]> = { 'x-request-id': requestId, 'x-switchyard-provider': target.providerId };
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value !== undefined && !HOP_HEADERS.has(name)) outgoing[name] = value;
      }
      const served = exchange.status >= 200 && exchange.status < 300;
      // A served answer's completion is published (and acked) before the client can see the answer complete.
      const beforeEnd = () => {
        exchange.outcome = served ? 'succeeded' : 'failed';
        return served ? publish(true) : Promise.resolve();
      };
      const head = () => {
        reply.hijack();
        reply.raw.writeHead(exchange.status, outgoing);
        reply.raw.socket?.setNoDelay(true);
      };
      if (!metering) await this.relayUnmetered(upstream, reply.raw, head);
      else if (String(upstream.headers['content-type'] ?? '').includes('text/event-stream')) await this.relaySse(upstream, reply.raw, head, exchange, beforeEnd);
      else await this.relayJson(upstream, reply.raw, head, exchange, beforeEnd);
    } catch (error) {
      const cut = streamed && deadline.signal.aborted && !clientGone.aborted;
      exchange.outcome = clientGone.aborted ? 'client_aborted' : 'failed';
      // Nothing written yet (the request, or a JSON answer being read): an HTTP error in the route's envelope.
      if (!reply.raw.headersSent) throw cut ? streamTooLong(this.env) : error;
      if (cut && !reply.raw.destroyed) {
        // As the pipeline does: bill what was produced, then end the stream with the error in its API's own shape.
        exchange.cut = true;
        await publish(true);
        reply.raw.end(target.streamError(streamTooLong(this.env), requestId));
        return;
      }
      reply.raw.destroy();
    } finally {
      deadline.dispose();
      void publish(false);
    }
  }

  /** Reads and deletes: bytes through as they come. */
  private async relayUnmetered(upstream: UpstreamResponse, raw: ServerResponse, head: () => void): Promise<void> {
    head();
    for await (const chunk of upstream.body) await write(raw, chunk);
    raw.end();
  }

  /**
   * A native stream, byte for byte as it comes, except from the chunk that completes its closing event (see
   * isClosingEvent) on: that waits for the end of the upstream body and `beforeEnd` (the completion's publish), like
   * the pipeline's final chunk. Earlier bytes of a split closing event are harmless: SSE dispatches at the blank line.
   */
  private async relaySse(upstream: UpstreamResponse, raw: ServerResponse, head: () => void, exchange: Exchange, beforeEnd: () => Promise<void>): Promise<void> {
    head();
    const decoder = new SseDecoder();
    const held: Uint8Array[] = [];
    let heldBytes = 0;
    let closing = false;
    for await (const chunk of upstream.body) {
      for (const event of decoder.push(chunk)) closing = this.readEvent(event, exchange) || closing;
      if (closing && heldBytes + chunk.length <= HELD_BYTES_MAX) {
        held.push(chunk);
        heldBytes += chunk.length;
        continue;
      }
      // Past the bound (never for real streams): let it through; the publish still precedes the end of the body.
      if (held.length > 0) await write(raw, Buffer.concat(held.splice(0)));
      heldBytes = 0;
      await write(raw, chunk);
    }
    for (const event of decoder.end()) this.readEvent(event, exchange);
    await beforeEnd();
    raw.end(held.length > 0 ? Buffer.concat(held) : undefined);
  }

  /** A JSON (or other) answer: read whole (bounded), published, then sent; a larger one goes through with its last chunk held back. */
  private async relayJson(upstream: UpstreamResponse, raw: ServerResponse, head: () => void, exchange: Exchange, beforeEnd: () => Promise<void>): Promise<void> {
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let last: Uint8Array | undefined;
    for await (const chunk of upstream.body) {
      if (!raw.headersSent && bytes + chunk.length <= JSON_USAGE_BYTES_MAX) {
        chunks.push(chunk);
        bytes += chunk.length;
        continue;
      }
      if (!raw.headersSent) {
        head();
        await write(raw, Buffer.concat(chunks));
      }
      if (last) await write(raw, last);
      last = chunk;
    }
    exchange.rawText = Buffer.concat(chunks).toString('utf8');
    try {
      const answer: unknown = JSON.parse(exchange.rawText);
      exchange.usage = usageOf(answer);
      exchange.text = nativeText(answer);
    } catch {
      // not JSON (or cut at the bound): billed on counted tokens
    }
    await beforeEnd();
    if (!raw.headersSent) head();
    raw.end(last ?? (chunks.length > 0 ? Buffer.concat(chunks) : undefined));
  }

  /** The path after `/{provider}/`, refusing dot segments so a request cannot climb out of the provider's API. */
  private nativePath(url: string, providerId: string): { path: string; search: string } {
    const queryAt = url.indexOf('?');
    const rawPath = (queryAt < 0 ? url : url.slice(0, queryAt)).slice(`/${providerId}/`.length);
    let segments: string[];
    try {
      segments = rawPath.split('/').map((s) => decodeURIComponent(s));
    } catch {
      throw new AppError('invalid_request', 'Invalid pass-through path.');
    }
    if (segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\'))) throw new AppError('invalid_request', 'Invalid pass-through path.');
    const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
    query.delete('key');
    return { path: segments.join('/'), search: query.size ? `?${query.toString()}` : '' };
  }

  private async hold(key: AuthenticatedKey, target: PassthroughTarget, path: string, body: Record<string, unknown>, holdId: string): Promise<Metering> {
    const price = nativePrice(this.prices, target.providerId, nativeModel(body, path));
    const requestBody = JSON.stringify(body);
    // Every token is at least one byte of the body, so its byte length bounds the prompt.
    const amount = quoteWorstCaseMicros(price, Buffer.byteLength(requestBody, 'utf8'), nativeOutputLimit(body, price), this.env.PRICING_MARKUP_BASIS_POINTS);
    await this.ledger.placeHold({ holdId, workspaceId: key.workspaceId, amountMicros: amount, minAmountMicros: amount, metadata: { apiKeyId: key.apiKeyId, requestedModel: price.modelId } });
    return { price, holdId, requestBody };
  }

  /** Reads usage and text off one stream event; true when it is the stream's closing event. */
  private readEvent(event: SseEvent, exchange: Exchange): boolean {
    const closing = isClosingEvent(event);
    if (event.data === '[DONE]') return closing;
    if (exchange.rawText.length < JSON_USAGE_BYTES_MAX) exchange.rawText += event.data;
    try {
      const payload: unknown = JSON.parse(event.data);
      const found = usageOf(payload);
      if (found) exchange.usage = mergeUsage(exchange.usage, found);
      exchange.text += nativeText(payload);
    } catch {
      // not JSON: counted as raw text
    }
    return closing;
  }

  /** `gateway.request.completed` for what the exchange produced. */
  private completion(metering: Metering, key: AuthenticatedKey, target: PassthroughTarget, startedAt: Date, streamed: boolean, exchange: Exchange): RequestCompletedPayload {
    const usage = this.billedUsage(metering, target, exchange);
    const completedAt = new Date();
    return {
      requestId: metering.holdId,
      holdId: metering.holdId,
      workspaceId: key.workspaceId,
      apiKeyId: key.apiKeyId,
      requestedModel: metering.price.modelId,
      modelId: metering.price.modelId,
      providerId: target.providerId,
      surface: 'passthrough',
      streamed,
      outcome: exchange.outcome,
      usage,
      webSearchRequests: 0,
      errorCode: exchange.outcome !== 'failed' ? null : exchange.cut ? 'upstream_timeout' : `upstream_status_${exchange.status || 0}`,
      attempts: [],
      startedAt: startedAt.toISOString(),
      completedAt: completedAt.toISOString(),
      latencyMs: Math.max(0, completedAt.getTime() - startedAt.getTime()),
      ttftMs: null,
      endUserId: null,
    };
  }

  /**
   * The provider's usage for a whole answer; for one cut short (client gone, duration limit) the larger of its partial
   * usage and what we count; nothing for a failure. No usage in a served answer: what we can count rather than $0.
   */
  private billedUsage(metering: Metering, target: PassthroughTarget, exchange: Exchange): TokenUsage {
    const partial = exchange.outcome === 'client_aborted' || exchange.cut;
    if (!exchange.sent || (exchange.outcome === 'failed' && !exchange.cut)) return { ...ZERO_USAGE };
    if (exchange.outcome === 'succeeded' && exchange.usage) return exchange.usage;
    // The answer's text where its shape is known, else every byte of it (never less than what was produced).
    const produced = exchange.text !== '' ? exchange.text : exchange.rawText;
    const counted: TokenUsage = { ...ZERO_USAGE, promptTokens: countTextTokens(metering.requestBody), completionTokens: countTextTokens(produced) };
    if (!partial) this.logger.warn({ requestId: metering.holdId, provider: target.providerId }, 'pass-through answer carried no usage; billing counted tokens');
    if (!exchange.usage) return counted;
    // A partial report (Anthropic's message_start) has the exact prompt but not yet the output.
    return { ...exchange.usage, promptTokens: exchange.usage.promptTokens || counted.promptTokens, completionTokens: Math.max(exchange.usage.completionTokens, counted.completionTokens) };
  }
}

/** Writes a chunk, waiting for drain under backpressure so a slow client bounds our memory. */
async function write(raw: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (raw.destroyed) return;
  if (!raw.write(chunk)) await new Promise<void>((resolve) => (raw.once('drain', resolve), raw.once('close', resolve)));
}
