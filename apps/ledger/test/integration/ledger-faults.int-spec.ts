import {
  LedgerAuditRun,
  LedgerBalanceGet,
  LedgerHoldCapture,
  LedgerHoldCreate,
} from '@switchyard/contracts';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix, fundedLedgerWorkspace } from '@switchyard/testing';
import { Client } from 'pg';

// Faults while holds are batched: connections killed under the ledger, and the process dying after a commit.
describe('ledger faults: no partial batch, no double apply', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let client: TestCommandClient;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledgerfault');
    client = await TestCommandClient.connect(prefix);
    pg = new Client({ connectionString: db.url });
  });

  afterAll(async () => {
    if (process.env.DEBUG_LEDGER_OUTPUT) process.stderr.write(ledger?.output().slice(-6000) ?? '');
    await pg?.end();
    await client?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const env = () => ({ DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });

  const fundedWorkspace = (amountMicros: bigint) => fundedLedgerWorkspace(client, amountMicros);

  /** A caller that retries with the same idempotency key, as the gateway and billing do after a lost reply. */
  async function withRetries<T>(send: () => Promise<T>, attempts = 60): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= attempts || (code !== undefined && !['service_unavailable', 'internal', 'TIMEOUT', '503'].includes(code) && !/timeout|no responders/i.test(String(error)))) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async function pendingTransfersPerHold(like: string): Promise<Map<string, number>> {
    const { rows } = await pg.query<{ key: string; n: string }>(
      "SELECT idempotency_key AS key, count(*)::text AS n FROM ledger.transfers WHERE kind = 'pending' AND idempotency_key LIKE $1 GROUP BY 1",
      [like],
    );
    return new Map(rows.map((r) => [r.key, Number(r.n)]));
  }

  async function expectAuditClean(): Promise<void> {
    expect(await client.request(LedgerAuditRun, {}, 15_000)).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
  }

  it('pg_terminate_backend on the ledger connections while batches run: every hold and capture applies exactly once', async () => {
    ledger = await startServiceProcess('ledger', env());
    await pg.connect();
    const holds = 300;
    const workspaceId = await fundedWorkspace(BigInt(holds) * 1_000n);
    let terminated = 0;
    let killing = true;
    const killer = (async () => {
      while (killing) {
        const { rows } = await pg.query<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = 'switchyard-ledger' AND pid <> pg_backend_pid()",
          [db.name],
        );
        terminated += rows.filter((r) => r.ok).length;
        await new Promise((r) => setTimeout(r, 40 + Math.random() * 60));
      }
    })();
    const ids = Array.from({ length: holds }, (_, i) => `kill-${workspaceId}-${i}`);
    try {
      const placed = await Promise.all(ids.map((holdId) => withRetries(() => client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: '1000', timeoutMs: 120_000, metadata: {} }))));
      expect(placed.every((p) => p.amountMicros === '1000')).toBe(true);
      const captured = await Promise.all(ids.map((holdId) => withRetries(() => client.request(LedgerHoldCapture, { holdId, amountMicros: '400', metadata: {} }))));
      expect(captured.every((c) => c.status === 'posted' && c.capturedMicros === '400' && c.releasedMicros === '600')).toBe(true);
    } finally {
      killing = false;
      await killer;
    }
    expect(terminated).toBeGreaterThan(0);

    const perHold = await pendingTransfersPerHold(`hold:kill-${workspaceId}-%`);
    expect(perHold.size).toBe(holds);
    expect([...perHold.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await pg.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM ledger.transfers WHERE kind = 'post' AND idempotency_key LIKE $1",
      [`resolve:kill-${workspaceId}-%`],
    );
    expect(rows[0]!.n).toBe(String(holds));
    expect(await client.request(LedgerBalanceGet, { workspaceId })).toMatchObject({ postedMicros: String(holds * 600), pendingMicros: '0' });
    await expectAuditClean();
  });

  it('a crash after the commit and before the reply: the retried commands answer from the commit and apply nothing twice', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const crashHoldId = `crash-${workspaceId}`;
    await ledger.stop();
    ledger = await startServiceProcess('ledger', { ...env(), LEDGER_FAULT_EXIT_AFTER_COMMIT_HOLD_ID: crashHoldId });
    const ids = [crashHoldId, ...Array.from({ length: 19 }, (_, i) => `mate-${workspaceId}-${i}`)];
    const send = (holdId: string, timeoutMs: number) => client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: '10000', timeoutMs: 60_000, metadata: {} }, timeoutMs);

    const firstTry = await Promise.allSettled(ids.map((holdId) => send(holdId, 2_000)));
    await new Promise<void>((resolve) => (ledger.process.exitCode !== null ? resolve() : ledger.process.once('exit', () => resolve())));
    expect(ledger.process.exitCode).toBe(137);
    expect(firstTry[0]!.status).toBe('rejected');
    // the crashing batch committed: its hold is in the journal although nobody got a reply
    expect((await pendingTransfersPerHold(`hold:${crashHoldId}`)).get(`hold:${crashHoldId}`)).toBe(1);

    ledger = await startServiceProcess('ledger', env());
    const retried = await Promise.all(ids.map((holdId) => send(holdId, 5_000)));
    expect(retried.every((r) => r.amountMicros === '10000')).toBe(true);
    const perHold = await pendingTransfersPerHold(`hold:%-${workspaceId}%`);
    expect(perHold.size).toBe(ids.length);
    expect([...perHold.values()].every((n) => n === 1)).toBe(true);
    expect(await client.request(LedgerBalanceGet, { workspaceId })).toMatchObject({ postedMicros: '1000000', pendingMicros: String(ids.length * 10_000) });
    await expectAuditClean();
  });
});
