import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadChainWatcherEnv } from './config/chain-watcher.env';

async function main(): Promise<void> {
  const env = loadChainWatcherEnv();
  await bootstrapService({
    serviceName: 'chain-watcher',
    module: AppModule.forRoot(env),
    host: env.HOST,
    httpPort: env.PORT,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    nats: { serviceName: 'chain-watcher', url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS },
  });
}

void main();
