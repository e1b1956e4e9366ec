import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LedgerHoldCapture, LedgerHoldCreate, workspaceCreditAccount } from '@switchyard/contracts';
import { createTestDatabase, REPO_ROOT, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueRedisPrefix, uniqueSubjectPrefix } from '@switchyard/testing';
import { Client } from 'pg';

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const run = promisify(execFile);

interface StatementPage {
  openingBalanceMicros: string;
  lines: Array<{ transferId: string; createdAt: string; kind: string; direction: string; amountMicros: string; balanceMicros: string; counterpartyCode: string }>;
  nextCursor: string | null;
}

describe('ledger finance read side through the gateway admin API and the CLI', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let gateway: ServiceProcess;
  let client: TestCommandClient;
  let pg: Client;
  let workspaceId: string;
  let creditCode: string;
  const startedAt = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    db = await createTestDatabase('ledgeradmin');
    const env = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, REDIS_KEY_PREFIX: uniqueRedisPrefix() };
    ledger = await startServiceProcess('ledger', env);
    gateway = await startServiceProcess('gateway', { ...env, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN, STARTER_CREDIT_MICROS: '0' });
    client = await TestCommandClient.connect(prefix);
    pg = new Client({ connectionString: db.url });
    await pg.connect();

    const created = await fetch(`${gateway.url}/api/v1/admin/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'finance', creditMicros: '5000000' }),
    });
    expect(created.status).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
    creditCode = workspaceCreditAccount(workspaceId);
    // a hold of a shard other than 0: the ledger books its revenue on `revenue:usage#k`, reported as `revenue:usage`
    let holdId = `h-${workspaceId}`;
    for (let n = 0; (await pg.query<{ shard: number }>('SELECT ledger.hold_shard($1) AS shard', [holdId])).rows[0]!.shard === 0; n++) holdId = `h-${workspaceId}-${n}`;
    await client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: '300000', timeoutMs: 60_000, metadata: {} });
    await client.request(LedgerHoldCapture, { holdId, amountMicros: '120000', metadata: {} });
  });

  afterAll(async () => {
    await pg?.end();
    await client?.close();
    await gateway?.stop();
    await ledger?.stop();
    await db?.drop();
  });

  const admin = async (path: string, token = ADMIN_TOKEN) => fetch(`${gateway.url}/api/v1/admin/ledger${path}`, { headers: { authorization: `Bearer ${token}` } });
  const adminJson = async <T>(path: string): Promise<T> => {
    const response = await admin(path);
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return (await response.json()) as T;
  };

  it('refuses without the operator token', async () => {
    expect((await fetch(`${gateway.url}/api/v1/admin/ledger/audit`)).status).toBe(401);
    expect((await admin('/audit', 'not-the-admin-token-at-all')).status).toBe(401);
  });

  it('answers balances of one account and of every account under a prefix', async () => {
    expect(await adminJson(`/accounts/${encodeURIComponent(creditCode)}`)).toEqual({
      accountCode: creditCode,
      type: 'liability',
      debitsPendingMicros: '0',
      debitsPostedMicros: '120000',
      creditsPendingMicros: '0',
      creditsPostedMicros: '5000000',
      balanceMicros: '4880000',
      availableMicros: '4880000',
    });
    const revenue = await adminJson<{ accounts: Array<{ accountCode: string; balanceMicros: string }> }>('/accounts?prefix=revenue:');
    expect(revenue.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ accountCode: 'revenue:usage', balanceMicros: '120000' })]));
    expect(revenue.accounts.map((a) => a.accountCode)).toEqual(['revenue:funding_fees', 'revenue:usage']);
    expect(await adminJson('/accounts/revenue:usage')).toMatchObject({ accountCode: 'revenue:usage', creditsPostedMicros: '120000', balanceMicros: '120000' });
    expect((await admin('/accounts/liability:workspace_credit:nobody')).status).toBe(404);
  });

  it('pages a statement with a running posted balance', async () => {
    const first = await adminJson<StatementPage>(`/accounts/${encodeURIComponent(creditCode)}/statement?limit=2`);
    expect(first.openingBalanceMicros).toBe('0');
    expect(first.lines.map((l) => [l.kind, l.direction, l.amountMicros, l.balanceMicros])).toEqual([
      ['single', 'credit', '5000000', '5000000'],
      ['pending', 'debit', '300000', '5000000'],
    ]);
    expect(first.nextCursor).toBe(first.lines[1]!.transferId);
    const second = await adminJson<StatementPage>(`/accounts/${encodeURIComponent(creditCode)}/statement?limit=2&cursor=${first.nextCursor}`);
    expect(second.openingBalanceMicros).toBe('5000000');
    expect(second.lines.map((l) => [l.kind, l.direction, l.amountMicros, l.balanceMicros])).toEqual([['post', 'debit', '120000', '4880000']]);
    expect(second.nextCursor).toBeNull();
    expect((await admin(`/accounts/${encodeURIComponent(creditCode)}/statement?limit=9999`)).status).toBe(400);
    const revenue = await adminJson<StatementPage>('/accounts/revenue:usage/statement');
    expect(revenue.lines.map((l) => [l.kind, l.direction, l.counterpartyCode, l.amountMicros, l.balanceMicros])).toEqual([
      ['pending', 'credit', creditCode, '300000', '0'],
      ['post', 'credit', creditCode, '120000', '120000'],
    ]);
  });

  it('answers the trial balance as of a moment, from one snapshot', async () => {
    const statement = await adminJson<StatementPage>(`/accounts/${encodeURIComponent(creditCode)}/statement`);
    const grantedAt = statement.lines[0]!.createdAt;
    type Trial = { asOf: string; accounts: Array<{ accountCode: string; balanceMicros: string }>; totals: { debitsPostedMicros: string; creditsPostedMicros: string }; balanced: boolean };
    const then = await adminJson<Trial>(`/trial-balance?as_of=${encodeURIComponent(grantedAt)}`);
    const now = await adminJson<Trial>('/trial-balance');
    expect(then).toMatchObject({ asOf: grantedAt, balanced: true, totals: { debitsPostedMicros: '5000000', creditsPostedMicros: '5000000' } });
    expect(then.accounts.find((a) => a.accountCode === creditCode)?.balanceMicros).toBe('5000000');
    expect(now).toMatchObject({ balanced: true, totals: { debitsPostedMicros: '5120000', creditsPostedMicros: '5120000' } });
    expect(now.accounts.find((a) => a.accountCode === creditCode)?.balanceMicros).toBe('4880000');
    expect(now.accounts.find((a) => a.accountCode === 'revenue:usage')?.balanceMicros).toBe('120000');
    expect(now.accounts.filter((a) => a.accountCode.includes('#'))).toEqual([]);
    expect((await admin('/trial-balance?as_of=yesterday')).status).toBe(400);
  });

  it('exports the journal for a time range as JSONL and CSV', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const jsonl = await admin(`/journal?from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(to)}&format=jsonl`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    const entries = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line) as { kind: string; amountMicros: string; creditAccountCode: string });
    expect(entries.map((e) => [e.kind, e.amountMicros, e.creditAccountCode])).toEqual([
      ['single', '5000000', creditCode],
      ['pending', '300000', 'revenue:usage'],
      ['post', '120000', 'revenue:usage'],
    ]);

    const csv = await admin(`/journal?from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(to)}&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toMatch(/^transfer_id,created_at,journal_key,/);
    expect(rows).toHaveLength(4);

    const empty = await admin(`/journal?from=${encodeURIComponent(to)}&to=${encodeURIComponent(to)}`);
    expect(await empty.text()).toBe('');
    expect((await admin(`/journal?from=${encodeURIComponent(to)}&to=${encodeURIComponent(startedAt)}`)).status).toBe(400);
  });

  it('audits balanced, and reports a tampered counter as a mismatch', async () => {
    expect(await adminJson('/audit')).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
    await pg.query('UPDATE ledger.accounts SET credits_posted = credits_posted + 7 WHERE code = $1', [creditCode]);
    try {
      expect(await adminJson('/audit')).toMatchObject({
        balanced: false,
        sumMicros: '-7',
        mismatches: [{ accountCode: creditCode, field: 'credits_posted', cachedMicros: '5000007', recomputedMicros: '5000000' }],
      });
    } finally {
      await pg.query('UPDATE ledger.accounts SET credits_posted = credits_posted - 7 WHERE code = $1', [creditCode]);
    }
  });

  it('serves the same through `switchyard ledger …` with exit codes', async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [join(REPO_ROOT, 'apps', 'cli', 'bin', 'switchyard.js'), ...args], {
        env: { ...process.env, SWITCHYARD_API_URL: gateway.url, SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN },
      });
    const balance = JSON.parse((await cli('--json', 'ledger', 'balances', creditCode)).stdout) as { balanceMicros: string };
    expect(balance.balanceMicros).toBe('4880000');
    expect((await cli('ledger', 'audit')).stdout).toMatch(/^balanced: sum 0 µUSD, 0 mismatches/);
    const statement = JSON.parse((await cli('--json', 'ledger', 'statement', creditCode, '--limit', '1')).stdout) as StatementPage;
    expect(statement.lines).toHaveLength(1);
    const csv = (await cli('ledger', 'export', '--from', startedAt, '--to', new Date(Date.now() + 60_000).toISOString(), '--format', 'csv')).stdout;
    expect(csv.trim().split('\r\n')).toHaveLength(4);
    expect((await cli('ledger', 'trial-balance')).stdout).toMatch(/balanced$/m);
    await expect(cli('ledger', 'balances', 'liability:workspace_credit:nobody')).rejects.toMatchObject({ code: 1 });
  });
});
