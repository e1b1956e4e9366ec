import { randomBytes } from 'node:crypto';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, uniqueRedisPrefix, uniqueSubjectPrefix } from '@switchyard/testing';

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;

interface AccountBalance {
  debitsPostedMicros: string;
  balanceMicros: string;
}

describe('starter credit: every new workspace gets it, booked from the promotions account', () => {
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase('starter');
    const env = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(), REDIS_KEY_PREFIX: uniqueRedisPrefix(), GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN };
    ledger = await startServiceProcess('ledger', env);
    // No STARTER_CREDIT_MICROS: the default ($0.50) applies.
    gateway = await startServiceProcess('gateway', env);
  });

  afterAll(async () => {
    await gateway?.stop();
    await ledger?.stop();
    await db?.drop();
  });

  const admin = (method: string, path: string, body?: object) =>
    fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });

  async function newWorkspace(body: object): Promise<{ id: string; key: string; starter: string }> {
    const created = await admin('POST', '/api/v1/admin/workspaces', body);
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string; starter_credit_micros: string };
    const key = (await (await admin('POST', `/api/v1/admin/workspaces/${workspace.id}/keys`, { name: 'k' })).json()) as { key: string };
    return { id: workspace.id, key: key.key, starter: workspace.starter_credit_micros };
  }

  const credits = async (key: string) => (await (await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } })).json()) as { balance_micros: string };
  const promotions = async () => (await (await admin('GET', '/api/v1/admin/ledger/accounts/expense%3Apromotions')).json()) as AccountBalance;

  it('a workspace created without credit can spend $0.50, and the promotions expense grows by exactly that', async () => {
    const before = await promotions();
    const { key, starter } = await newWorkspace({ name: 'newcomer' });
    expect(starter).toBe('500000');
    expect((await credits(key)).balance_micros).toBe('500000');
    const after = await promotions();
    expect(BigInt(after.debitsPostedMicros) - BigInt(before.debitsPostedMicros)).toBe(500_000n);
  });

  it('adds to an operator grant instead of replacing it', async () => {
    const { key } = await newWorkspace({ name: 'funded', creditMicros: '2000000' });
    expect((await credits(key)).balance_micros).toBe('2500000');
  });

  it('the ledger stays balanced', async () => {
    const audit = (await (await admin('GET', '/api/v1/admin/ledger/audit')).json()) as { balanced: boolean; sumMicros: string };
    expect(audit).toMatchObject({ balanced: true, sumMicros: '0' });
  });
});
