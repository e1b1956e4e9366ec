import './instrument';
import { natsConnectionOptions } from '@switchyard/nats';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadLedgerEnv } from './config/ledger.env';

async function main(): Promise<void> {
  const env = loadLedgerEnv();
  await bootstrapService({
    serviceName: 'ledger',
    module: AppModule.forRoot(env),
    host: env.HOST,
    httpPort: env.PORT,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    nats: natsConnectionOptions('ledger', env),
  });
}

void main();
