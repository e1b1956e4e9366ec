import './instrument';
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
    nats: { serviceName: 'ledger', url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX, requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS },
  });
}

void main();
