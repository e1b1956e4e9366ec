import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadRouterEnv } from './config/router.env';

async function main(): Promise<void> {
  const env = loadRouterEnv();
  await bootstrapService({
    serviceName: 'router',
    module: AppModule.forRoot(env),
    env,
    answersCommands: true,
  });
}

void main();
