import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  LedgerAuditRun,
  LedgerBalanceGet,
  LedgerHoldCapture,
  LedgerHoldCreate,
} from '@switchyard/contracts';
import { createTestDatabase, REPO_ROOT, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix, fundedLedgerWorkspace } from '@switchyard/testing';
import { Client } from 'pg';

const run = promisify(execFile);

// Two ledger replicas (one NATS queue group) batching concurrently against one database.
describe('ledger under contention: group commit across replicas and processes', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let replicas: ServiceProcess[] = [];
  let client: TestCommandClient;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledgerconc');
    const env = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, LEDGER_SWEEP_INTERVAL_MS: '50' };
    replicas = [await startServiceProcess('ledger', env)];
    replicas.push(await startServiceProcess('ledger', env));
    client = await TestCommandClient.connect(prefix);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await client?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await db?.drop();
  });

  const fundedWorkspace = (amountMicros: bigint) => fundedLedgerWorkspace(client, amountMicros);

  async function expectAuditClean(): Promise<void> {
    expect(await client.request(LedgerAuditRun, {}, 15_000)).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
  }

  it('300 holds in parallel from 3 client processes against a balance that covers 100: exactly 100 succeed', async () => {
    const workspaceId = await fundedWorkspace(100n * 7_000n);
    const startAtMs = Date.now() + 2_500;
    const outputs = await Promise.all(
      ['a', 'b', 'c'].map((tag) =>
        run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'support', 'hold-burst.client.ts'), prefix, workspaceId, '100', '7000', `${workspaceId}-${tag}`, String(startAtMs)], {
          cwd: REPO_ROOT,
          env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json') },
        }),
      ),
    );
    const results = outputs.map((o) => JSON.parse(o.stdout.trim()) as { accepted: string[]; refused: Record<string, number> });
    const accepted = results.flatMap((r) => r.accepted);
    const refused = results.reduce((sum, r) => sum + (r.refused.insufficient_balance ?? 0), 0);
    expect({ accepted: accepted.length, refused }).toEqual({ accepted: 100, refused: 200 });
    expect(results.every((r) => Object.keys(r.refused).every((code) => code === 'insufficient_balance'))).toBe(true);
    expect(await client.request(LedgerBalanceGet, { workspaceId })).toMatchObject({ postedMicros: '700000', pendingMicros: '700000', availableMicros: '0' });
    const { rows } = await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM ledger.transfers WHERE kind = 'pending' AND idempotency_key LIKE $1", [`hold:${workspaceId}-%`]);
    expect(rows[0]!.n).toBe('100');
    await expectAuditClean();
  });

  it('capture racing expiry: exactly one resolution per hold; a late capture is a separate guarded transfer', async () => {
    const holds = 40;
    const workspaceId = await fundedWorkspace(BigInt(holds) * 10_000n + 150_000n);
    const ids = Array.from({ length: holds }, (_, i) => `race-${workspaceId}-${i}`);
    await Promise.all(ids.map((holdId) => client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: '10000', timeoutMs: 1_000, metadata: {} })));
    // captures spread over ±300 ms around the 1 s timeout, while both replicas sweep every 50 ms
    const replies = await Promise.all(
      ids.map(async (holdId, i) => {
        await new Promise((r) => setTimeout(r, 700 + (i * 600) / holds));
        return client.request(LedgerHoldCapture, { holdId, amountMicros: '6000', metadata: {} });
      }),
    );
    const posted = replies.filter((r) => r.status === 'posted');
    const expired = replies.filter((r) => r.status === 'expired');
    expect(posted.length + expired.length).toBe(holds);
    // both sides of the race happened
    expect({ posted: posted.length > 0, expired: expired.length > 0 }).toEqual({ posted: true, expired: true });
    for (const reply of posted) expect(reply).toMatchObject({ capturedMicros: '6000', releasedMicros: '4000', overageMicros: '0', unbilledMicros: '0' });
    // expiry won: the hold released in full, the usage charged by its own guarded transfer
    for (const reply of expired) expect(reply).toMatchObject({ capturedMicros: '6000', releasedMicros: '10000', overageMicros: '0', unbilledMicros: '0' });

    const { rows } = await pg.query<{ key: string; resolutions: string; kinds: string; late: string }>(
      `SELECT p.idempotency_key AS key, count(r.id)::text AS resolutions, string_agg(r.kind::text, ',') AS kinds,
              (SELECT count(*) FROM ledger.transfers l WHERE l.idempotency_key = 'late:' || substr(p.idempotency_key, 6) AND l.reason = 'usage_late')::text AS late
         FROM ledger.transfers p LEFT JOIN ledger.transfers r ON r.pending_id = p.id
        WHERE p.kind = 'pending' AND p.idempotency_key LIKE $1 GROUP BY p.id ORDER BY p.id`,
      [`hold:race-${workspaceId}-%`],
    );
    expect(rows).toHaveLength(holds);
    for (const row of rows) {
      expect({ key: row.key, resolutions: row.resolutions }).toEqual({ key: row.key, resolutions: '1' });
      expect(row.late).toBe(row.kinds === 'expire' ? '1' : '0');
    }
    expect(rows.filter((r) => r.kinds === 'expire')).toHaveLength(expired.length);
    expect(await client.request(LedgerBalanceGet, { workspaceId })).toMatchObject({ postedMicros: String(holds * 10_000 + 150_000 - holds * 6_000), pendingMicros: '0' });
    await expectAuditClean();
  });
});
