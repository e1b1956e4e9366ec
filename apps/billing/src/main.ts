import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadBillingEnv } from './config/billing.env';

async function main(): Promise<void> {
  const env = loadBillingEnv();
  await bootstrapService({
    serviceName: 'billing',
    module: AppModule.forRoot(env),
    env,
    answersCommands: true,
  });
}

void main();
