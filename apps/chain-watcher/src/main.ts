import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadChainWatcherEnv } from './config/chain-watcher.env';

async function main(): Promise<void> {
  const env = loadChainWatcherEnv();
  await bootstrapService({
    serviceName: 'chain-watcher',
    module: AppModule.forRoot(env),
    env,
    answersCommands: true,
  });
}

void main();
