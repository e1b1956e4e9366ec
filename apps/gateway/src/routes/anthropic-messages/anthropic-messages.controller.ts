import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { HttpErrorFilter, ZodBodyPipe } from '@switchyard/nest-common';
import { AUTO_MODEL_ID, PriceTable } from '@switchyard/pricing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../../auth/api-key.guard';
import { CompletionPipeline } from '../../completion/completion-pipeline.service';
import { countInputTokens } from '../input-tokens';
import { toAnthropicErrorBody } from './anthropic-error-body';
import { toCanonicalRequest } from './anthropic-messages.request';
import {
  type AnthropicCountTokensRequest,
  AnthropicCountTokensRequestSchema,
  type AnthropicMessagesRequest,
  AnthropicMessagesRequestSchema,
} from './anthropic-messages.schema';
import { anthropicMessagesSurface } from './anthropic-messages.surface';
import { toCatalogModelId } from './anthropic-model-id';

/** The Anthropic Messages API; every error (validation, auth, credits, upstream) leaves in Anthropic's envelope. */
@Controller()
@UseFilters(new HttpErrorFilter(toAnthropicErrorBody))
export class AnthropicMessagesController {
  constructor(
    private readonly pipeline: CompletionPipeline,
    private readonly prices: PriceTable,
  ) {}

  /** The body is validated and translated before authentication or any money is touched. */
  @Post(['v1/messages', 'anthropic/v1/messages'])
  async create(@Body(new ZodBodyPipe(AnthropicMessagesRequestSchema)) body: AnthropicMessagesRequest, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const canonical = toCanonicalRequest(body, toCatalogModelId(body.model, this.prices));
    if (body.fallbacks?.length) canonical.models = [canonical.model, ...body.fallbacks.map((model) => toCatalogModelId(model, this.prices))];
    await this.pipeline.handle(canonical, anthropicMessagesSurface, request, reply);
  }

  /** Free, but authenticated; the model must be one we serve. */
  @Post(['v1/messages/count_tokens', 'anthropic/v1/messages/count_tokens'])
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  countTokens(@Body(new ZodBodyPipe(AnthropicCountTokensRequestSchema)) body: AnthropicCountTokensRequest): { input_tokens: number } {
    const modelId = toCatalogModelId(body.model, this.prices);
    if (modelId !== AUTO_MODEL_ID && this.prices.endpointsFor(modelId).length === 0) {
      throw new AppError('model_not_found', `The model '${body.model}' does not exist.`, { param: 'model' });
    }
    return { input_tokens: countInputTokens(toCanonicalRequest(body, modelId)) };
  }
}
