import './instrument';
import { natsConnectionOptions } from '@switchyard/nats';
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
    nats: natsConnectionOptions('chain-watcher', env),
  });
}

void main();
