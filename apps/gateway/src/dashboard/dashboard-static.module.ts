import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { type DynamicModule, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `vite build apps/dashboard` writes the web UI, from the repository root. */
export const DEFAULT_DASHBOARD_DIST_DIR = join(__dirname, '..', '..', '..', 'dashboard', 'dist');
export const DASHBOARD_BASE_PATH = '/dashboard/';

/**
 * Serves the dashboard's built files at /dashboard/ on the API's own origin (so its httpOnly session cookie needs
 * no CORS). Any other path below it answers index.html: the single-page app routes in the browser.
 */
class DashboardStaticServer implements OnModuleInit {
  private readonly logger = new Logger('Dashboard');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly distDir: string,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const built = existsSync(join(this.distDir, 'index.html'));
    fastify.get('/', (_request, reply) => reply.redirect(DASHBOARD_BASE_PATH));
    fastify.get('/dashboard', (_request, reply) => reply.redirect(DASHBOARD_BASE_PATH));
    if (!built) {
      this.logger.warn(`No dashboard build at ${this.distDir}; run \`npx vite build apps/dashboard\` (make up does).`);
      fastify.get('/dashboard/*', (_request, reply) => notBuilt(reply));
      return;
    }
    // Not awaited: awaiting loads Fastify's plugin queue now, and routes built before Nest installs its error handler
    // would answer malformed bodies in Fastify's own shape. Hashed assets are immutable; index.html is revalidated.
    void fastify.register(fastifyStatic, {
      root: this.distDir,
      prefix: DASHBOARD_BASE_PATH,
      wildcard: false,
      index: false,
      setHeaders: (response, path) => {
        response.header('cache-control', path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html', this.distDir);
    fastify.get('/dashboard/', (_request, reply) => sendIndex(reply));
    fastify.get('/dashboard/*', (_request, reply) => sendIndex(reply));
  }
}

function notBuilt(reply: FastifyReply) {
  return reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .send('The dashboard is not built. Run `make up`, or `npx vite build apps/dashboard`, then reload.');
}

@Module({})
export class DashboardStaticModule {
  static forRoot(options: { enabled: boolean; distDir?: string }): DynamicModule {
    if (!options.enabled) return { module: DashboardStaticModule };
    const distDir = options.distDir ?? DEFAULT_DASHBOARD_DIST_DIR;
    return {
      module: DashboardStaticModule,
      providers: [{ provide: DashboardStaticServer, useFactory: (host: HttpAdapterHost) => new DashboardStaticServer(host, distDir), inject: [HttpAdapterHost] }],
    };
  }
}
