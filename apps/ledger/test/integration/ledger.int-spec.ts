import { randomUUID } from 'node:crypto';
import {
  LedgerAccountOpen,
  LedgerBalanceGet,
  LedgerHoldCapture,
  LedgerHoldCreate,
  LedgerHoldRelease,
  LedgerTransferCreate,
  workspaceCreditAccount,
} from '@switchyard/contracts';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix, fundedLedgerWorkspace } from '@switchyard/testing';
import { Client } from 'pg';
import { holdShard, shardAccountCode } from '../../src/holds/hold-shard';

describe('ledger service over NATS and Postgres', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let client: TestCommandClient;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledger');
    ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix, LEDGER_SWEEP_INTERVAL_MS: '200' });
    client = await TestCommandClient.connect(prefix);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await client?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const fundedWorkspace = (amountMicros: bigint) => fundedLedgerWorkspace(client, amountMicros);

  const balance = (workspaceId: string) => client.request(LedgerBalanceGet, { workspaceId });
  const hold = (workspaceId: string, holdId: string, amountMicros: bigint, extra: { minAmountMicros?: bigint; timeoutMs?: number } = {}) =>
    client.request(LedgerHoldCreate, {
      holdId,
      workspaceId,
      amountMicros: amountMicros.toString(),
      ...(extra.minAmountMicros === undefined ? {} : { minAmountMicros: extra.minAmountMicros.toString() }),
      timeoutMs: extra.timeoutMs ?? 60_000,
      metadata: { requestId: holdId },
    });
  const capture = (holdId: string, amountMicros: bigint) => client.request(LedgerHoldCapture, { holdId, amountMicros: amountMicros.toString(), metadata: {} });
  const transferCount = async () => Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM ledger.transfers')).rows[0]!.n);

  it('opens a workspace idempotently with a credit and a receivable account', async () => {
    const workspaceId = randomUUID();
    const first = await client.request(LedgerAccountOpen, { workspaceId });
    const second = await client.request(LedgerAccountOpen, { workspaceId });
    expect(first.accountCodes).toEqual([`liability:workspace_credit:${workspaceId}`, `asset:workspace_receivable:${workspaceId}`]);
    expect(second).toEqual(first);
    expect(await balance(workspaceId)).toEqual({ workspaceId, postedMicros: '0', pendingMicros: '0', availableMicros: '0' });
    const { rows } = await pg.query('SELECT code, debits_must_not_exceed_credits AS guarded FROM ledger.accounts WHERE workspace_id = $1 ORDER BY code', [workspaceId]);
    expect(rows).toEqual([
      { code: `asset:workspace_receivable:${workspaceId}`, guarded: false },
      { code: `liability:workspace_credit:${workspaceId}`, guarded: true },
    ]);
  });

  it('captures less than the hold: the balance drops by exactly the captured amount, the rest is released', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const holdId = `h-${randomUUID()}`;
    expect(await hold(workspaceId, holdId, 300_000n)).toEqual({ holdId, status: 'pending', amountMicros: '300000', availableMicros: '700000' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '1000000', pendingMicros: '300000', availableMicros: '700000' });

    const captured = await capture(holdId, 120_000n);
    expect(captured).toEqual({ holdId, status: 'posted', capturedMicros: '120000', releasedMicros: '180000', overageMicros: '0', unbilledMicros: '0' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '880000', pendingMicros: '0', availableMicros: '880000' });
  });

  it('releases a hold: the balance is unchanged; release is idempotent and a later capture moves nothing', async () => {
    const workspaceId = await fundedWorkspace(500_000n);
    const holdId = `h-${randomUUID()}`;
    await hold(workspaceId, holdId, 200_000n);
    expect(await client.request(LedgerHoldRelease, { holdId, reason: 'upstream_error' })).toEqual({ holdId, status: 'voided', releasedMicros: '200000' });
    expect(await client.request(LedgerHoldRelease, { holdId, reason: 'retry' })).toEqual({ holdId, status: 'voided', releasedMicros: '200000' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '500000', pendingMicros: '0', availableMicros: '500000' });

    const before = await transferCount();
    expect(await capture(holdId, 50_000n)).toMatchObject({ status: 'voided', capturedMicros: '0', overageMicros: '0', unbilledMicros: '0' });
    expect(await transferCount()).toBe(before);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '500000', availableMicros: '500000' });
  });

  it('releasing a posted hold changes nothing and replies posted', async () => {
    const workspaceId = await fundedWorkspace(500_000n);
    const holdId = `h-${randomUUID()}`;
    await hold(workspaceId, holdId, 200_000n);
    await capture(holdId, 150_000n);
    expect(await client.request(LedgerHoldRelease, { holdId, reason: 'late' })).toEqual({ holdId, status: 'posted', releasedMicros: '50000' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '350000', pendingMicros: '0' });
  });

  it('holds what the balance affords between minAmountMicros and amountMicros, and refuses below the minimum', async () => {
    const workspaceId = await fundedWorkspace(100_000n);
    const partial = await hold(workspaceId, `h-${randomUUID()}`, 500_000n, { minAmountMicros: 50_000n });
    expect(partial).toMatchObject({ status: 'pending', amountMicros: '100000', availableMicros: '0' });
    await expect(hold(workspaceId, `h-${randomUUID()}`, 500_000n, { minAmountMicros: 50_000n })).rejects.toMatchObject({
      code: 'insufficient_balance',
      details: { availableMicros: '0', requiredMicros: '50000' },
    });
  });

  it('insufficient_balance writes nothing, and the same holdId works once the workspace is funded', async () => {
    const workspaceId = await fundedWorkspace(10_000n);
    const holdId = `h-${randomUUID()}`;
    const before = await transferCount();
    await expect(hold(workspaceId, holdId, 10_001n)).rejects.toMatchObject({ code: 'insufficient_balance', details: { availableMicros: '10000', requiredMicros: '10001' } });
    expect(await transferCount()).toBe(before);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '10000', pendingMicros: '0', availableMicros: '10000' });
    expect((await pg.query('SELECT 1 FROM ledger.transfers WHERE idempotency_key = $1', [`hold:${holdId}`])).rowCount).toBe(0);

    await client.request(LedgerTransferCreate, {
      journalKey: `topup:${workspaceId}`,
      transfers: [{ idempotencyKey: `topup:${workspaceId}`, debitAccount: 'equity:owner', creditAccount: workspaceCreditAccount(workspaceId), amountMicros: '1', reason: 'operator_grant', metadata: {} }],
    });
    expect(await hold(workspaceId, holdId, 10_001n)).toMatchObject({ amountMicros: '10001', availableMicros: '0' });
  });

  it('answers not_found for an unknown workspace or hold', async () => {
    await expect(hold(randomUUID(), `h-${randomUUID()}`, 1n)).rejects.toMatchObject({ code: 'not_found' });
    await expect(capture(`h-${randomUUID()}`, 1n)).rejects.toMatchObject({ code: 'not_found' });
    await expect(balance(randomUUID())).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a retried hold returns the same hold, never a second one', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const holdId = `h-${randomUUID()}`;
    const first = await hold(workspaceId, holdId, 400_000n);
    const again = await hold(workspaceId, holdId, 400_000n);
    expect(again.amountMicros).toBe(first.amountMicros);
    expect(await balance(workspaceId)).toMatchObject({ pendingMicros: '400000', availableMicros: '600000' });
    const other = await fundedWorkspace(1_000_000n);
    await expect(hold(other, holdId, 1n)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('capturing twice charges once and replies with the first result', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const holdId = `h-${randomUUID()}`;
    await hold(workspaceId, holdId, 300_000n);
    const first = await capture(holdId, 200_000n);
    const before = await transferCount();
    const [second, third] = await Promise.all([capture(holdId, 200_000n), capture(holdId, 999_999n)]);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await transferCount()).toBe(before);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '800000', pendingMicros: '0' });
  });

  it('charges usage above the hold as guarded overage and books what cannot be charged as unbilled', async () => {
    const workspaceId = await fundedWorkspace(150_000n);
    const holdId = `h-${randomUUID()}`;
    await hold(workspaceId, holdId, 100_000n);
    // 100k from the hold, 50k overage (all that is left), 30k unbilled
    expect(await capture(holdId, 180_000n)).toEqual({ holdId, status: 'posted', capturedMicros: '100000', releasedMicros: '0', overageMicros: '50000', unbilledMicros: '30000' });
    expect(await balance(workspaceId)).toEqual({ workspaceId, postedMicros: '0', pendingMicros: '0', availableMicros: '0' });
    const { rows } = await pg.query<{ code: string; dr: string; cr: string }>(
      `SELECT a.code, t.amount::text AS dr, c.code AS cr FROM ledger.transfers t JOIN ledger.accounts a ON a.id = t.debit_account_id
        JOIN ledger.accounts c ON c.id = t.credit_account_id WHERE t.idempotency_key = $1`,
      [`unbilled:${holdId}`],
    );
    // on the hold's shard of both system accounts (shard 0: the accounts themselves)
    const shard = holdShard(holdId);
    expect(rows).toEqual([{ code: shardAccountCode('expense:unbilled_usage', shard), dr: '30000', cr: shardAccountCode('revenue:usage', shard) }]);
  });

  it('commits a transfer batch all or nothing: an overdrawing second leg leaves the first unwritten', async () => {
    const a = await fundedWorkspace(0n);
    const b = await fundedWorkspace(1_000n);
    const journalKey = `batch-${randomUUID()}`;
    const before = await transferCount();
    await expect(
      client.request(LedgerTransferCreate, {
        journalKey,
        transfers: [
          { idempotencyKey: `${journalKey}:1`, debitAccount: 'equity:owner', creditAccount: workspaceCreditAccount(a), amountMicros: '5000', reason: 'operator_grant', metadata: {} },
          { idempotencyKey: `${journalKey}:2`, debitAccount: workspaceCreditAccount(b), creditAccount: 'revenue:usage', amountMicros: '1001', reason: 'correction', metadata: {} },
        ],
      }),
    ).rejects.toMatchObject({ code: 'insufficient_balance', details: { accountCode: workspaceCreditAccount(b), availableMicros: '1000', requiredMicros: '1001' } });
    expect(await transferCount()).toBe(before);
    expect(await balance(a)).toMatchObject({ postedMicros: '0' });
    expect(await balance(b)).toMatchObject({ postedMicros: '1000' });

    await expect(
      client.request(LedgerTransferCreate, {
        journalKey,
        transfers: [{ idempotencyKey: `${journalKey}:1`, debitAccount: 'equity:owner', creditAccount: 'liability:workspace_credit:missing', amountMicros: '5', reason: 'operator_grant', metadata: {} }],
      }),
    ).rejects.toMatchObject({ code: 'not_found', details: { accountCode: 'liability:workspace_credit:missing' } });
  });

  it('replies exists to a same-key same-fields retry and conflict to a same-key different-fields one', async () => {
    const workspaceId = await fundedWorkspace(0n);
    const key = `deposit:${randomUUID()}`;
    const leg = { idempotencyKey: key, debitAccount: 'equity:owner', creditAccount: workspaceCreditAccount(workspaceId), amountMicros: '7000', reason: 'deposit' as const, metadata: {} };
    const created = await client.request(LedgerTransferCreate, { journalKey: key, transfers: [leg] });
    const retried = await client.request(LedgerTransferCreate, { journalKey: key, transfers: [leg] });
    expect(created.transfers[0]).toMatchObject({ idempotencyKey: key, status: 'created' });
    expect(retried.transfers[0]).toEqual({ ...created.transfers[0], status: 'exists' });
    await expect(client.request(LedgerTransferCreate, { journalKey: key, transfers: [{ ...leg, amountMicros: '7001' }] })).rejects.toMatchObject({ code: 'conflict' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '7000' });
  });

  it('never overdraws under 50 concurrent holds against a balance that covers only some of them', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => hold(workspaceId, `c-${workspaceId}-${i}`, 30_000n)));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(33);
    expect(refused.every((r) => (r.reason as { code?: string }).code === 'insufficient_balance')).toBe(true);
    const after = await balance(workspaceId);
    expect(after).toMatchObject({ postedMicros: '1000000', pendingMicros: '990000', availableMicros: '10000' });
    expect(BigInt(after.availableMicros) >= 0n).toBe(true);
  });

  it('refuses a command Postgres could not read alone, without failing the batch it would have joined', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => hold(workspaceId, `ok-${workspaceId}-${i}`, 1_000n)),
      hold(workspaceId, `huge-${workspaceId}`, 10n ** 20n),
      client.request(LedgerHoldCreate, { holdId: `nul-${workspaceId}`, workspaceId, amountMicros: '1000', timeoutMs: 60_000, metadata: { note: 'a\u0000b' } }),
      client.request(LedgerHoldCapture, { holdId: `ok-${workspaceId}-0`, amountMicros: (2n ** 63n).toString(), metadata: {} }),
    ]);
    expect(results.slice(0, 5).every((r) => r.status === 'fulfilled')).toBe(true);
    for (const refused of results.slice(5)) expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'invalid_request' } });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '1000000', pendingMicros: '5000' });
  });

  it('expires a hold by the sweeper and charges late usage directly', async () => {
    const workspaceId = await fundedWorkspace(100_000n);
    const holdId = `h-${randomUUID()}`;
    await hold(workspaceId, holdId, 60_000n, { timeoutMs: 1_000 });
    const deadline = Date.now() + 10_000;
    while ((await balance(workspaceId)).pendingMicros !== '0') {
      if (Date.now() > deadline) throw new Error('the sweeper did not expire the hold');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows } = await pg.query<{ kind: string }>('SELECT kind::text FROM ledger.transfers WHERE idempotency_key = $1', [`resolve:${holdId}`]);
    expect(rows).toEqual([{ kind: 'expire' }]);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '100000', availableMicros: '100000' });

    expect(await capture(holdId, 40_000n)).toEqual({ holdId, status: 'expired', capturedMicros: '40000', releasedMicros: '60000', overageMicros: '0', unbilledMicros: '0' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '60000', pendingMicros: '0' });
    expect(await capture(holdId, 40_000n)).toMatchObject({ status: 'expired', capturedMicros: '40000' });
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '60000' });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on ledger.transfers in the database', async () => {
    await expect(pg.query('UPDATE ledger.transfers SET amount = amount + 1')).rejects.toThrow(/append-only/);
    await expect(pg.query('DELETE FROM ledger.transfers')).rejects.toThrow(/append-only/);
    await expect(pg.query('TRUNCATE ledger.transfers CASCADE')).rejects.toThrow(/append-only/);
    await expect(pg.query("UPDATE ledger.accounts SET debits_must_not_exceed_credits = false WHERE code LIKE 'liability:%'")).rejects.toThrow(/balance counters/);
  });

  it('serves a statement for an account', async () => {
    const workspaceId = await fundedWorkspace(9_000n);
    const response = await fetch(`${ledger.url}/accounts/${encodeURIComponent(workspaceCreditAccount(workspaceId))}/transfers?limit=10`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      accountCode: workspaceCreditAccount(workspaceId),
      transfers: [{ direction: 'credit', counterpartyCode: 'equity:owner', amountMicros: '9000', reason: 'operator_grant', kind: 'single' }],
    });
    expect((await fetch(`${ledger.url}/accounts/liability:workspace_credit:nobody/transfers`)).status).toBe(404);
  });

  it('audits balanced with zero mismatches after all of the above', async () => {
    const audit = (await (await fetch(`${ledger.url}/audit`)).json()) as Record<string, unknown>;
    expect(audit).toMatchObject({ balanced: true, debitsMinusCreditsMicros: '0', mismatchedAccounts: [], overdrawnAccounts: [] });
    const trial = (await (await fetch(`${ledger.url}/trial-balance`)).json()) as { balanced: boolean; totals: { debitsPostedMicros: string } };
    expect(trial.balanced).toBe(true);
    expect(BigInt(trial.totals.debitsPostedMicros) > 0n).toBe(true);
  });
});
