import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { buildOpenApiDocument } from '../accounts/openapi.document';

/** The hand-written part (prose, surfaces, auth, payments); `{{BASE_URL}}` is this gateway's origin. */
const TEMPLATE = readFileSync(join(__dirname, 'llms.md'), 'utf8');
/** One rendering per origin the gateway is reached by, bounded like the OpenAPI document's. */
const RENDERED_ORIGINS_MAX = 16;

/**
 * `GET /llms.txt` (llmstxt.org): the API described for agents. The prose is `llms.md`; the endpoint list is generated
 * from the OpenAPI document, so it names exactly the operations `/openapi.json` describes.
 */
@Controller()
export class LlmsTextController {
  private readonly rendered = new Map<string, string>();

  @Get('llms.txt')
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  text(@Req() request: FastifyRequest): string {
    const origin = `${request.protocol}://${request.host}`;
    const cached = this.rendered.get(origin);
    if (cached) return cached;
    const text = renderLlmsText(origin);
    if (this.rendered.size < RENDERED_ORIGINS_MAX) this.rendered.set(origin, text);
    return text;
  }
}

export function renderLlmsText(origin: string): string {
  const paths = buildOpenApiDocument(origin).paths as Record<string, Record<string, { summary?: string }>>;
  const operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `- \`${method.toUpperCase()} ${path}\`: ${op.summary ?? ''}`));
  return `${TEMPLATE.replaceAll('{{BASE_URL}}', origin).trimEnd()}\n\n## Management endpoints (from /openapi.json)\n\n${operations.join('\n')}\n`;
}
