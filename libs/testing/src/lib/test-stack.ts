import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix, uniqueSubjectPrefix } from './test-database';
import { type ServiceProcess, startServiceProcess } from './service-process';

export const ALL_SERVICES = ['ledger', 'router', 'billing', 'chain-watcher', 'gateway'] as const;
export type ServiceName = (typeof ALL_SERVICES)[number];

export interface TestStack {
  database: TestDatabase;
  subjectPrefix: string;
  adminToken: string;
  env: Record<string, string>;
  services: Map<ServiceName, ServiceProcess>;
  url(service: ServiceName): string;
  /** Restart one service (e.g. after kill) with the stack's env. */
  restart(service: ServiceName): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The whole system as separate processes on a fresh database, subject prefix and Redis prefix. */
export async function startTestStack(options: { services?: readonly ServiceName[]; env?: Record<string, string> } = {}): Promise<TestStack> {
  const database = await createTestDatabase('stack');
  const subjectPrefix = uniqueSubjectPrefix();
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    NATS_SUBJECT_PREFIX: subjectPrefix,
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    GATEWAY_ADMIN_TOKEN: adminToken,
    // Tests fund workspaces explicitly; the starter-credit test turns it back on.
    STARTER_CREDIT_MICROS: '0',
    // Pre-placed holds show as pending until used or released; tests that wait for "nothing pending" turn them off.
    HOLD_POOL_ENABLED: 'false',
    ...options.env,
  };
  const services = new Map<ServiceName, ServiceProcess>();
  const stop = async () => {
    await Promise.all([...services.values()].map((s) => s.stop()));
    await database.drop();
  };
  try {
    const names = options.services ?? ALL_SERVICES;
    const start = async (name: ServiceName) => services.set(name, await startServiceProcess(name, env, { readyTimeoutMs: 60_000 }));
    // The ledger migrates first so the others do not wait on its advisory lock at once; then the rest boot together.
    if (names.includes('ledger')) await start('ledger');
    const rest = await Promise.allSettled(names.filter((name) => name !== 'ledger').map(start));
    const failed = rest.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    database,
    subjectPrefix,
    adminToken,
    env,
    services,
    url: (service) => {
      const process = services.get(service);
      if (!process) throw new Error(`${service} is not part of this stack`);
      return process.url;
    },
    async restart(service) {
      const previous = services.get(service);
      if (previous && previous.process.exitCode === null) await previous.stop();
      const next = await startServiceProcess(service, env, { readyTimeoutMs: 60_000, port: previous?.port });
      services.set(service, next);
      return next;
    },
    stop,
  };
}
