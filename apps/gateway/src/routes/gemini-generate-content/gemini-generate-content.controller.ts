import { Body, Controller, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { HttpErrorFilter, ZodBodyPipe } from '@switchyard/nest-common';
import { AUTO_MODEL_ID, PriceTable } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthService } from '../../auth/api-key-auth.service';
import { CompletionPipeline } from '../../completion/completion-pipeline.service';
import { countInputTokens } from '../input-tokens';
import { toGeminiErrorBody } from './gemini-error.envelope';
import { toCanonicalRequest } from './gemini-generate-content.request';
import { CountTokensRequestSchema, GenerateContentRequestSchema } from './gemini-generate-content.schema';
import { GeminiGenerateContentSurface } from './gemini-generate-content.surface';
import { parseGeminiModelPath, toCatalogModelId } from './gemini-model-path';

/**
 * The Gemini API surface: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent` (`?alt=sse`; without
 * it the answer comes whole in a JSON array) and `:countTokens`. Every error leaves in Google's envelope.
 */
@Controller()
@UseFilters(new HttpErrorFilter(toGeminiErrorBody))
export class GeminiGenerateContentController {
  constructor(
    private readonly pipeline: CompletionPipeline,
    private readonly auth: ApiKeyAuthService,
    private readonly priceTable: PriceTable,
  ) {}

  /** A wildcard: model ids contain slashes (`openai/gpt-4o-mini:generateContent`). The body is validated before auth or money. */
  @Post('v1beta/models/*')
  async handle(@Param('*') tail: string, @Query('alt') alt: unknown, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const path = parseGeminiModelPath(tail);
    const modelId = toCatalogModelId(path.model, (id) => this.priceTable.endpointsFor(id).length > 0);
    if (path.action === 'countTokens') return this.countTokens(modelId, body, request, reply);

    const parsed = new ZodBodyPipe(GenerateContentRequestSchema).transform(body);
    const sse = path.action === 'streamGenerateContent' && alt === 'sse';
    const canonical = toCanonicalRequest(parsed, { model: modelId, stream: sse, reasoningSupported: this.reasons(modelId) });
    const surface = new GeminiGenerateContentSurface({
      jsonArray: path.action === 'streamGenerateContent' && !sse,
      includeThoughts: parsed.generationConfig?.thinkingConfig?.includeThoughts === true,
    });
    await this.pipeline.handle(canonical, surface, request, reply);
  }

  /** Counted locally with the gateway's tokenizer (text and tool declarations); authenticated, never charged. */
  private async countTokens(modelId: string, body: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const parsed = new ZodBodyPipe(CountTokensRequestSchema).transform(body);
    await this.auth.authenticate(request);
    if (this.priceTable.endpointsFor(modelId).length === 0 && modelId !== AUTO_MODEL_ID) {
      throw new AppError('model_not_found', `The model '${modelId}' does not exist.`, { param: 'model' });
    }
    const generateRequest = 'generateContentRequest' in parsed ? parsed.generateContentRequest : { contents: parsed.contents };
    const canonical = toCanonicalRequest(generateRequest, { model: modelId, stream: false, reasoningSupported: false });
    await reply.code(200).header('content-type', 'application/json; charset=utf-8').send({ totalTokens: countInputTokens(canonical) });
  }

  /** Thinking settings are translated only for models whose every endpoint reasons. */
  private reasons(modelId: string): boolean {
    const endpoints = this.priceTable.endpointsFor(modelId);
    return endpoints.length > 0 && endpoints.every((endpoint) => endpoint.supports.has('reasoning'));
  }
}
