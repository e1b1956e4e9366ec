import { createTestDatabase, type ServiceProcess, startServiceProcess, TestCommandClient, type TestDatabase } from '@switchyard/testing';
import { Client } from 'pg';
import { JetStreamPublisher } from './jetstream-publisher';

/** A real ledger and billing on their own database and subject prefix, with the clients the specs drive them through. */
export interface BillingStack {
  db: TestDatabase;
  env: Record<string, string>;
  ledger: ServiceProcess;
  billing: ServiceProcess;
  client: TestCommandClient;
  publisher: JetStreamPublisher;
  pg: Client;
}

export async function startBillingStack(databaseName: string, subjectPrefix: string): Promise<BillingStack> {
  const db = await createTestDatabase(databaseName);
  const env = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: subjectPrefix };
  const ledger = await startServiceProcess('ledger', env);
  const billing = await startServiceProcess('billing', env);
  const client = await TestCommandClient.connect(subjectPrefix);
  const publisher = await JetStreamPublisher.connect(subjectPrefix);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  return { db, env, ledger, billing, client, publisher, pg };
}

/** Stops what is running now (a spec may have restarted ledger or billing); the streams go after billing stopped. */
export async function stopBillingStack(stack: Partial<BillingStack>): Promise<void> {
  await stack.pg?.end();
  await stack.client?.close();
  await stack.billing?.stop();
  await stack.ledger?.stop();
  // After billing stopped, so its consumer is not pulling from a stream that disappears.
  await stack.publisher?.deleteStreams();
  await stack.publisher?.close();
  await stack.db?.drop();
}
