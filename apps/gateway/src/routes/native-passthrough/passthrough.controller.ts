import { All, Controller, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassthroughService } from './passthrough.service';

/** `/{provider}/…` → that provider's own API (e.g. `/openai/v1/responses`, `/anthropic/v1/messages/batches`). */
@Controller()
export class PassthroughController {
  constructor(private readonly passthrough: PassthroughService) {}

  @All(':provider/*')
  async forward(@Param('provider') provider: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.passthrough.forward(provider, request, reply);
  }
}
