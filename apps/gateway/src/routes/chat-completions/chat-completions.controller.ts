import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { type ChatRequest, ChatRequestSchema } from '@switchyard/contracts';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CompletionPipeline } from '../../completion/completion-pipeline.service';
import { openAiChatSurface } from './openai-chat.surface';

@Controller()
export class ChatCompletionsController {
  constructor(private readonly pipeline: CompletionPipeline) {}

  /**
   * The body is validated by the pipe before authentication or any money is touched. Besides API keys, the
   * dashboard's chat authenticates with its session cookie (same origin only).
   */
  @Post(['v1/chat/completions', 'api/v1/chat/completions'])
  async create(@Body(new ZodBodyPipe(ChatRequestSchema)) body: ChatRequest, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pipeline.handle(body, openAiChatSurface, request, reply, { sessionCookie: true });
  }
}
