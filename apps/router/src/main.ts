import './instrument';
import { natsConnectionOptions } from '@switchyard/nats';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadRouterEnv } from './config/router.env';

async function main(): Promise<void> {
  const env = loadRouterEnv();
  await bootstrapService({
    serviceName: 'router',
    module: AppModule.forRoot(env),
    host: env.HOST,
    httpPort: env.PORT,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    nats: natsConnectionOptions('router', env),
  });
}

void main();
