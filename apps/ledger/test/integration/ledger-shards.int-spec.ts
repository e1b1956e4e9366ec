import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { LedgerTransferCreate } from '@switchyard/contracts';
import { HoldCommandsClient } from '@switchyard/nats';
import { createTestDatabase, fundedLedgerWorkspace, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix } from '@switchyard/testing';
import { Client } from 'pg';
import { HOLD_SHARD_COUNT, holdShard, shardAccountCode } from '../../src/holds/hold-shard';
import { holdIdsInOneShard } from './support/hold-shards';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

// The hot system accounts split into shards: each hold belongs to one, by its holdId; a batch locks only its
// holds' shards, so batches of different shards apply in parallel.
describe('ledger hold shards', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let commands: TestCommandClient;
  let holds: HoldCommandsClient;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledgershards');
    ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });
    commands = await TestCommandClient.connect(prefix);
    holds = new HoldCommandsClient({ serviceName: 'test', url: NATS_URL, subjectPrefix: prefix, requestTimeoutMs: 10_000 });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await holds?.close();
    await pg?.end();
    await commands?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const place = (workspaceId: string, holdId: string, amountMicros: bigint) =>
    holds.create({ holdId, workspaceId, amountMicros: amountMicros.toString(), timeoutMs: 60_000, metadata: {} }, { timeoutMs: 10_000, requestId: holdId });
  const counters = async (code: string) =>
    (await pg.query<{ cp: string; cpo: string; dpo: string }>('SELECT credits_pending::text AS cp, credits_posted::text AS cpo, debits_posted::text AS dpo FROM ledger.accounts WHERE code = $1', [code])).rows[0];
  async function waitForLockWaiters(count: number): Promise<void> {
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const { rows } = await pg.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (rows[0]!.n >= count) return;
    }
    throw new Error(`no ${count} backends waiting for a lock within 10 s`);
  }
  function settledLater<T>(promise: Promise<T>): { promise: Promise<T>; settled: boolean } {
    const tracked = { promise, settled: false };
    promise.then(() => (tracked.settled = true), () => (tracked.settled = true));
    return tracked;
  }
  const revenueCode = (shard: number) => shardAccountCode('revenue:usage', shard);
  const unbilledCode = (shard: number) => shardAccountCode('expense:unbilled_usage', shard);

  it('the batcher and Postgres put every holdId in the same shard', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 50 }), async (ids) => {
        const { rows } = await pg.query<{ shard: number; revenue: string }>(
          `SELECT ledger.hold_shard(id) AS shard, ledger.hold_account_code('revenue:usage', id) AS revenue
             FROM unnest($1::text[]) WITH ORDINALITY AS x (id, i) ORDER BY i`,
          [ids],
        );
        expect(rows.map((r) => r.shard)).toEqual(ids.map(holdShard));
        expect(rows.map((r) => r.revenue)).toEqual(ids.map((id) => revenueCode(holdShard(id))));
      }),
      { numRuns: 40 },
    );
    const shards = new Set(Array.from({ length: 400 }, () => holdShard(randomUUID())));
    expect([...shards].sort()).toEqual(Array.from({ length: HOLD_SHARD_COUNT }, (_, shard) => shard));
  });

  it('the shard account code is inlined where a batch uses it, not run as a SQL function per call', async () => {
    // a SQL function that is not inlined is parsed and planned again in every statement that calls it
    const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE, COSTS OFF) SELECT ledger.hold_account_code('revenue:usage', x) FROM unnest(ARRAY['h-1']) x`);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('md5(x)');
    expect(plan).not.toContain('hold_account_code');
  });

  it('books each hold on its own shard: revenue on the shard revenue account, unbilled usage on its expense account', async () => {
    const tag = randomUUID();
    for (let shard = 0; shard < HOLD_SHARD_COUNT; shard++) {
      const workspaceId = await fundedLedgerWorkspace(commands, 10_000n);
      const [holdId] = holdIdsInOneShard(`${tag}-${shard}`, 1, shard) as [string];
      const before = { revenue: await counters(revenueCode(shard)), unbilled: await counters(unbilledCode(shard)) };
      await place(workspaceId, holdId, 4_000n);
      expect(BigInt((await counters(revenueCode(shard)))!.cp) - BigInt(before.revenue!.cp)).toBe(4_000n);
      // 12,000 requested against a 10,000 balance: 4,000 posted, 6,000 overage charged, 2,000 unbilled
      const captured = await holds.capture({ holdId, amountMicros: '12000', metadata: {} }, { timeoutMs: 10_000, requestId: holdId });
      expect(captured).toMatchObject({ capturedMicros: '4000', overageMicros: '6000', unbilledMicros: '2000' });
      const after = { revenue: await counters(revenueCode(shard)), unbilled: await counters(unbilledCode(shard)) };
      expect(BigInt(after.revenue!.cpo) - BigInt(before.revenue!.cpo)).toBe(12_000n);
      expect(after.revenue!.cp).toBe(before.revenue!.cp);
      expect(BigInt(after.unbilled!.dpo) - BigInt(before.unbilled!.dpo)).toBe(2_000n);
    }
    const audit = await (await fetch(`${ledger.url}/audit`)).json();
    expect(audit).toMatchObject({ balanced: true, debitsMinusCreditsMicros: '0', mismatchedAccounts: [] });
  });

  it('a shard is not an account anyone can name: its statement and transfers to or from it are refused, and nothing is booked', async () => {
    const shardStatement = await fetch(`${ledger.url}/accounts/${encodeURIComponent(revenueCode(1))}/transfers`);
    expect(shardStatement.status).toBe(400);
    expect(await shardStatement.json()).toMatchObject({ error: { code: 'invalid_request', param: 'code' } });
    const baseStatement = await fetch(`${ledger.url}/accounts/${encodeURIComponent(revenueCode(0))}/transfers?limit=5`);
    expect(baseStatement.status).toBe(200);
    expect(((await baseStatement.json()) as { accountCode: string }).accountCode).toBe('revenue:usage');

    const transfersBefore = (await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger.transfers')).rows[0]!.n;
    const before = await Promise.all([0, 1, 2].map((shard) => counters(revenueCode(shard))));
    const transfer = (debitAccount: string, creditAccount: string) => {
      const key = `shift:${randomUUID()}`;
      return commands.request(LedgerTransferCreate, {
        journalKey: key,
        transfers: [{ idempotencyKey: key, debitAccount, creditAccount, amountMicros: '5', reason: 'correction', metadata: {} }],
      });
    };
    // a shard's code is not an account code the contract accepts; the base account to itself is refused by the table
    await expect(transfer(revenueCode(1), revenueCode(2))).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'ledger.transfer.create: transfers.0.debitAccount an account code like liability:workspace_credit:<id>',
    });
    await expect(transfer(revenueCode(0), revenueCode(1))).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'ledger.transfer.create: transfers.0.creditAccount an account code like liability:workspace_credit:<id>',
    });
    await expect(transfer(revenueCode(0), revenueCode(0))).rejects.toMatchObject({ code: 'invalid_request', message: 'A transfer needs two different accounts.' });
    expect((await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger.transfers')).rows[0]!.n).toBe(transfersBefore);
    expect(await Promise.all([0, 1, 2].map((shard) => counters(revenueCode(shard))))).toEqual(before);
  });

  /**
   * Holds shard 0 in an open transaction, as a slow batch would, and places one hold of shard 0 through `client`:
   * its batch waits in Postgres for the lock. `run` goes on while it waits; the transaction commits after it.
   */
  async function withShardZeroBlocked(client: HoldCommandsClient, run: () => Promise<void>): Promise<void> {
    const tag = randomUUID();
    const workspaceId = await fundedLedgerWorkspace(commands, 1_000_000n);
    const [lockedHold, waitingHold] = holdIdsInOneShard(`${tag}-a`, 2, 0) as [string, string];
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM ledger.apply_hold_commands($1::jsonb)', [
        JSON.stringify([{ op: 'create', holdId: lockedHold, workspaceId, amount: '1000', minAmount: null, timeoutMs: 60_000, metadata: {} }]),
      ]);
      const waiting = settledLater(client.create({ holdId: waitingHold, workspaceId, amountMicros: '1000', timeoutMs: 60_000, metadata: {} }, { timeoutMs: 10_000, requestId: waitingHold }));
      // the ledger's batch of shard 0 is in Postgres, waiting for the lock (and the next commands go in messages of their own)
      await waitForLockWaiters(1);
      await run();
      expect(waiting.settled).toBe(false);
      await blocker.query('COMMIT');
      await expect(waiting.promise).resolves.toMatchObject({ status: 'pending', amountMicros: '1000' });
    } finally {
      await blocker.end();
    }
  }

  it('a lone command of another shard goes once the batch in flight is LEDGER_BATCH_STALL_MS (25) old', async () => {
    const workspaceId = await fundedLedgerWorkspace(commands, 1_000_000n);
    const [lone] = holdIdsInOneShard(`${randomUUID()}-c`, 1, 2) as [string];
    await withShardZeroBlocked(holds, async () => {
      await expect(place(workspaceId, lone, 1_000n)).resolves.toMatchObject({ status: 'pending', amountMicros: '1000' });
    });
  });

  it('without a stall, a backlog goes as parallel batches per shard at once, and a lone command waits its turn', async () => {
    // a ledger that never treats a batch as stalled, so only the backlog splits batches
    const patientPrefix = uniqueSubjectPrefix();
    let lonePending: Promise<unknown> = Promise.resolve();
    const patient = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: patientPrefix, LEDGER_BATCH_STALL_MS: '600000' });
    const client = new HoldCommandsClient({ serviceName: 'test', url: NATS_URL, subjectPrefix: patientPrefix, requestTimeoutMs: 10_000 });
    try {
      const tag = randomUUID();
      const workspaceId = await fundedLedgerWorkspace(commands, 1_000_000n);
      const placeThere = (holdId: string) => client.create({ holdId, workspaceId, amountMicros: '1000', timeoutMs: 60_000, metadata: {} }, { timeoutMs: 10_000, requestId: holdId });
      // more than LEDGER_BATCH_SPLIT_MIN_COMMANDS (32 by default) on shards 1-3, and later one more on shard 2
      const backlog = Array.from({ length: 40 }, (_, n) => holdIdsInOneShard(`${tag}-b${n}`, 1, 1 + (n % 3))[0]!);
      const [lone] = holdIdsInOneShard(`${tag}-c`, 1, 2) as [string];
      await withShardZeroBlocked(client, async () => {
        const placed = await Promise.all(backlog.map(placeThere));
        expect(placed.every((hold) => hold.status === 'pending')).toBe(true);
        const afterIt = settledLater(placeThere(lone));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(afterIt.settled).toBe(false);
        // it goes after the blocked batch: withShardZeroBlocked commits next, then this resolves
        void afterIt.promise.catch(() => undefined);
        lonePending = afterIt.promise;
      });
      await expect(lonePending).resolves.toMatchObject({ status: 'pending', amountMicros: '1000' });
    } finally {
      await client.close();
      await patient.stop();
    }
  });
});
