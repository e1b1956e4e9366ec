import './instrument';
import { natsConnectionOptions } from '@switchyard/nats';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadBillingEnv } from './config/billing.env';

async function main(): Promise<void> {
  const env = loadBillingEnv();
  await bootstrapService({
    serviceName: 'billing',
    module: AppModule.forRoot(env),
    host: env.HOST,
    httpPort: env.PORT,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    nats: natsConnectionOptions('billing', env),
  });
}

void main();
