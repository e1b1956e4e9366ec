import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type EmbeddingsRequestBody, EmbeddingsRequestSchema } from './embeddings.schema';
import { EmbeddingsService } from './embeddings.service';

@Controller()
export class EmbeddingsController {
  constructor(private readonly embeddings: EmbeddingsService) {}

  /** The body is validated by the pipe before authentication or any money is touched. */
  @Post(['v1/embeddings', 'api/v1/embeddings'])
  @HttpCode(200)
  async create(@Body(new ZodBodyPipe(EmbeddingsRequestSchema)) body: EmbeddingsRequestBody, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.embeddings.handle(body, request, reply);
  }
}
