import { Inject, Injectable, Logger } from '@nestjs/common';
import { type TokenUsage, ZERO_USAGE } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type EndpointPrice, PriceTable, quoteWorstCaseMicros } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthService, type AuthenticatedKey } from '../../auth/api-key-auth.service';
import { newRequestId } from '../../metering/request-id';
import { GATEWAY_ENV, type GatewayEnv } from '../../config/gateway.env';
import { CompletionPublisher } from '../../metering/completion.publisher';
import { LedgerClient } from '../../metering/ledger.client';
import { countTextTokens } from '../../metering/token-counter';
import { SseDecoder } from '../../streaming/sse-decoder';
import { UpstreamHttpClient } from '../../upstream/upstream-http.client';
import { mergeUsage, usageOf } from './native-usage';
import { nativeModel, nativeOutputLimit, nativePrice, UNMETERED_METHODS } from './passthrough-metering';
import { type PassthroughTarget, passthroughTargets, passthroughUrl } from './passthrough-targets';

type Method = 'GET' | 'HEAD' | 'DELETE' | 'POST' | 'PUT' | 'PATCH';
const METHODS = new Set<string>(['GET', 'HEAD', 'DELETE', 'POST', 'PUT', 'PATCH']);
/** Response headers that describe this hop, not the body. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-authenticate', 'proxy-connection', 'upgrade', 'trailer', 'te']);
/** A JSON answer is parsed for usage up to this size; the bytes still all reach the client. */
const JSON_USAGE_BYTES_MAX = 8 * 1_048_576;

interface Metering {
  price: EndpointPrice;
  holdId: string;
  requestBody: string;
}

/**
 * `/{provider}/…`: a provider's own API with our auth and our provider key. Reads are forwarded as they are;
 * anything that can produce tokens is held for its worst case, streamed back byte for byte, and billed from
 * the usage in the response (counted tokens when it carries none).
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
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    this.targets = passthroughTargets(env);
  }

  async forward(providerId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
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
    const metering = body ? await this.hold(key, target, path, body, requestId) : undefined;

    const headers: Record<string, string> = { ...target.authHeaders, 'accept-encoding': 'identity' };
    for (const name of target.forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (typeof request.headers.accept === 'string') headers.accept = request.headers.accept;
    if (metering) headers['content-type'] = 'application/json';

    const startedAt = new Date();
    const clientAbort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) clientAbort.abort(new Error('client disconnected'));
    });
    let usage: TokenUsage | undefined;
    let responseText = '';
    let status = 0;
    let outcome: 'succeeded' | 'failed' | 'client_aborted' = 'failed';
    try {
      const upstream = await this.http.send({
        url: passthroughUrl(target.baseUrl, path, search),
        method: method as Method,
        headers,
        body: metering?.requestBody,
        signal: AbortSignal.any([clientAbort.signal, AbortSignal.timeout(this.env.UPSTREAM_TIMEOUT_MS)]),
        timeoutMs: this.env.UPSTREAM_TIMEOUT_MS,
      });
      status = upstream.statusCode;
      reply.hijack();
      const raw = reply.raw;
      const outgoing: Record<string, string | string[]> = { 'x-request-id': requestId, 'x-switchyard-provider': target.providerId };
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value !== undefined && !HOP_HEADERS.has(name)) outgoing[name] = value;
      }
      raw.writeHead(status, outgoing);
      raw.socket?.setNoDelay(true);
      const streamed = String(upstream.headers['content-type'] ?? '').includes('text/event-stream');
      const decoder = streamed ? new SseDecoder() : undefined;
      const jsonChunks: Buffer[] = [];
      let jsonBytes = 0;
      for await (const chunk of upstream.body) {
        if (!raw.write(chunk)) await new Promise<void>((resolve) => (raw.once('drain', resolve), raw.once('close', resolve)));
        if (!metering) continue;
        if (decoder) {
          for (const event of decoder.push(chunk)) usage = this.usageFromEvent(event.data, usage, (text) => (responseText += text));
        } else if (jsonBytes < JSON_USAGE_BYTES_MAX) {
          jsonChunks.push(Buffer.from(chunk));
          jsonBytes += chunk.length;
        }
      }
      raw.end();
      if (metering && decoder) for (const event of decoder.end()) usage = this.usageFromEvent(event.data, usage, (text) => (responseText += text));
      if (metering && !decoder) {
        responseText = Buffer.concat(jsonChunks).toString('utf8');
        usage = this.usageFromJson(responseText);
      }
      outcome = status >= 200 && status < 300 ? 'succeeded' : 'failed';
    } catch (error) {
      if (clientAbort.signal.aborted) outcome = 'client_aborted';
      if (!reply.raw.headersSent) throw error;
      reply.raw.destroy();
    } finally {
      if (metering) this.publish(metering, key, target, { startedAt, status, outcome, usage, responseText, streamed: body?.stream === true });
    }
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

  private usageFromEvent(data: string, sofar: TokenUsage | undefined, text: (t: string) => void): TokenUsage | undefined {
    if (data === '[DONE]') return sofar;
    text(data);
    try {
      const found = usageOf(JSON.parse(data));
      return found ? mergeUsage(sofar, found) : sofar;
    } catch {
      return sofar;
    }
  }

  private usageFromJson(text: string): TokenUsage | undefined {
    try {
      return usageOf(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  private publish(
    metering: Metering,
    key: AuthenticatedKey,
    target: PassthroughTarget,
    result: { startedAt: Date; status: number; outcome: 'succeeded' | 'failed' | 'client_aborted'; usage?: TokenUsage; responseText: string; streamed: boolean },
  ): void {
    const produced = result.outcome !== 'failed';
    // No usage in a successful answer: bill what we can count rather than $0.
    const usage =
      result.usage ??
      (produced
        ? { ...ZERO_USAGE, promptTokens: countTextTokens(metering.requestBody), completionTokens: countTextTokens(result.responseText) }
        : { ...ZERO_USAGE });
    const completedAt = new Date();
    if (!result.usage && produced) this.logger.warn({ requestId: metering.holdId, provider: target.providerId }, 'pass-through answer carried no usage; billing counted tokens');
    this.publisher.publishInBackground({
      requestId: metering.holdId,
      holdId: metering.holdId,
      workspaceId: key.workspaceId,
      apiKeyId: key.apiKeyId,
      requestedModel: metering.price.modelId,
      modelId: metering.price.modelId,
      providerId: target.providerId,
      surface: 'passthrough',
      streamed: result.streamed,
      outcome: result.outcome,
      usage,
      webSearchRequests: 0,
      errorCode: result.outcome === 'failed' ? `upstream_status_${result.status || 0}` : null,
      attempts: [],
      startedAt: result.startedAt.toISOString(),
      completedAt: completedAt.toISOString(),
      latencyMs: Math.max(0, completedAt.getTime() - result.startedAt.getTime()),
      ttftMs: null,
      endUserId: null,
    });
  }
}
