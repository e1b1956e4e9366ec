import './instrument';
import { bootstrapService } from '@switchyard/nest-common';
import { AppModule } from './app.module';
import { loadLedgerEnv } from './config/ledger.env';

async function main(): Promise<void> {
  const env = loadLedgerEnv();
  await bootstrapService({
    serviceName: 'ledger',
    module: AppModule.forRoot(env),
    env,
    answersCommands: true,
  });
}

void main();
