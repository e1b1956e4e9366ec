import { loadGatewayEnv } from './config/gateway.env';
import { runProcessWorkers } from './workers/process-workers';

async function main(): Promise<void> {
  const env = loadGatewayEnv();
  await runProcessWorkers({
    serviceName: 'gateway',
    workers: env.GATEWAY_WORKERS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    logLevel: env.LOG_LEVEL,
    // Loaded only where the service runs: a primary that just forks stays small.
    start: async () => {
      await import('./instrument');
      const [{ bootstrapService }, { AppModule }, { toAnthropicErrorBody }, { toGeminiErrorBody }] = await Promise.all([
        import('@switchyard/nest-common'),
        import('./app.module'),
        import('./routes/anthropic-messages/anthropic-error-body'),
        import('./routes/gemini-generate-content/gemini-error.envelope'),
      ]);
      await bootstrapService({
        serviceName: 'gateway',
        module: AppModule.forRoot(env),
        env,
        bodyLimitBytes: env.GATEWAY_BODY_BYTES_MAX,
        answersCommands: false,
        // Bodies that fail before routing (bad JSON, too large) still answer in the caller's dialect.
        errorEnvelopes: [
          { path: /^\/(anthropic\/)?v1\/messages(\/|$)/, envelope: toAnthropicErrorBody },
          { path: /^\/v1beta\//, envelope: toGeminiErrorBody },
        ],
      });
    },
  });
}

void main();
