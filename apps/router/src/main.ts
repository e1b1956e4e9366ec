import './instrument';
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
    nats: { serviceName: 'router', url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS },
  });
}

void main();
