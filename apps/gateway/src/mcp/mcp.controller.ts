import { Controller, Delete, Get, HttpCode, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { mcpSdk } from './mcp-sdk';
import { McpToolsFactory } from './mcp-tools.factory';

/**
 * The remote MCP server (streamable HTTP, stateless: one server and transport per POST, JSON answers). Only a
 * management key may connect; the guard answers 401 without a valid credential and this controller 403 otherwise.
 */
@Controller('mcp')
@UseGuards(WorkspaceAuthGuard)
export class McpController {
  private readonly logger = new Logger(McpController.name);

  constructor(private readonly tools: McpToolsFactory) {}

  @Post()
  async post(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    requireManagementKey(principal);
    const server = this.tools.create(principal);
    const { StreamableHTTPServerTransport } = mcpSdk();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.once('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      this.logger.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
    }
  }

  /** Stateless: no server-initiated stream to resume and no session to end. */
  @Get()
  @HttpCode(405)
  get(@Res({ passthrough: true }) reply: FastifyReply) {
    return methodNotAllowed(reply);
  }

  @Delete()
  @HttpCode(405)
  delete(@Res({ passthrough: true }) reply: FastifyReply) {
    return methodNotAllowed(reply);
  }
}

function requireManagementKey(principal: Principal): void {
  if (principal.kind !== 'management_key') throw new AppError('forbidden', 'The MCP server needs a management key: create one with `switchyard keys create --kind management` or POST /api/v1/keys.');
}

function methodNotAllowed(reply: FastifyReply) {
  reply.header('allow', 'POST');
  return { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; use POST.' }, id: null };
}
