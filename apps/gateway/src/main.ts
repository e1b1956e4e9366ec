import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadGatewayEnv } from './config/gateway.env';

async function main(): Promise<void> {
  const env = loadGatewayEnv();
  await bootstrapService({
    serviceName: 'gateway',
    module: AppModule.forRoot(env),
    env,
    bodyLimitBytes: env.GATEWAY_BODY_BYTES_MAX,
    answersCommands: false,
  });
}

void main();
