import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadGatewayEnv } from './config/gateway.env';
import { toAnthropicErrorBody } from './routes/anthropic-messages/anthropic-error-body';
import { toGeminiErrorBody } from './routes/gemini-generate-content/gemini-error.envelope';

async function main(): Promise<void> {
  const env = loadGatewayEnv();
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
}

void main();
