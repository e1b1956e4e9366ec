import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { buildOpenApiDocument } from './openapi.document';

@Controller()
export class OpenApiController {
  private readonly documents = new Map<string, Record<string, unknown>>();

  @Get('openapi.json')
  document(@Req() request: FastifyRequest) {
    const server = `${request.protocol}://${request.host}`;
    if (!this.documents.has(server) && this.documents.size < 16) this.documents.set(server, buildOpenApiDocument(server));
    return this.documents.get(server) ?? buildOpenApiDocument(server);
  }
}
