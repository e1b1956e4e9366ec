import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { HOLD_COMMANDS_SUBJECT, LedgerAuditRun, LedgerBalanceGet, type ReplyEnvelope } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { HoldCommandsClient } from '@switchyard/nats';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix, fundedLedgerWorkspace } from '@switchyard/testing';
import { Client } from 'pg';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

// The batched hold path end to end: HoldCommandsClient → one NATS message → HoldCommandsResponder → batcher → Postgres.
describe('ledger hold commands, batched over NATS', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let commands: TestCommandClient;
  let holds: HoldCommandsClient;
  let nc: NatsConnection;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledgerholdcmds');
    ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });
    commands = await TestCommandClient.connect(prefix);
    holds = new HoldCommandsClient({ serviceName: 'test', url: NATS_URL, subjectPrefix: prefix, requestTimeoutMs: 2_000 });
    nc = await connect({ servers: NATS_URL });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    ledger?.process.kill('SIGCONT');
    await holds?.close();
    await nc?.drain();
    await pg?.end();
    await commands?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const fundedWorkspace = (amountMicros: bigint) => fundedLedgerWorkspace(commands, amountMicros);

  const balance = (workspaceId: string) => commands.request(LedgerBalanceGet, { workspaceId });
  const create = (workspaceId: string, holdId: string, amountMicros: bigint, timeoutMs = 2_000) =>
    holds.create({ holdId, workspaceId, amountMicros: amountMicros.toString(), timeoutMs: 60_000, metadata: { requestId: holdId } }, { timeoutMs, requestId: holdId });
  const transfersOf = async (holdId: string) =>
    (await pg.query<{ kind: string }>("SELECT kind FROM ledger.transfers WHERE journal_key = 'hold:' || $1 ORDER BY id", [holdId])).rows.map((r) => r.kind);

  async function rawBatch(items: unknown): Promise<ReplyEnvelope<unknown>[] | ReplyEnvelope<never>> {
    const reply = await nc.request(`${prefix}${HOLD_COMMANDS_SUBJECT}`, JSON.stringify(items), { timeout: 5_000 });
    return reply.json();
  }

  /** Counts the messages (and items) on the batch subject: a plain subscriber gets a copy of each. */
  async function watchMessages(): Promise<{ sizes: number[]; stop: () => void }> {
    const sizes: number[] = [];
    const subscription: Subscription = nc.subscribe(`${prefix}${HOLD_COMMANDS_SUBJECT}`, { callback: (_error, message) => void sizes.push((message.json() as unknown[]).length) });
    await nc.flush();
    return { sizes, stop: () => subscription.unsubscribe() };
  }

  it('a mixed message: the invalid items get their own errors, the others are applied, replies in order', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const [a, b] = [`mix-${randomUUID()}`, `mix-${randomUUID()}`];
    const replies = await rawBatch([
      { op: 'create', payload: { holdId: a, workspaceId, amountMicros: '100000', timeoutMs: 60_000 } },
      { op: 'create', payload: { holdId: b, workspaceId, amountMicros: '1.5', timeoutMs: 60_000 } },
      { op: 'explode', payload: { holdId: b } },
      { op: 'capture', payload: { holdId: a, amountMicros: '40000' } },
      { op: 'release', payload: { holdId: 'x'.repeat(101), reason: 'too long an id' } },
    ]);
    expect(Array.isArray(replies)).toBe(true);
    const list = replies as ReplyEnvelope<unknown>[];
    expect(list).toHaveLength(5);
    expect(list[0]).toEqual({ ok: true, data: { holdId: a, status: 'pending', amountMicros: '100000', availableMicros: '900000' } });
    expect(list[1]).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('ledger.hold.create: amountMicros') } });
    expect(list[2]).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('op must be') } });
    // the capture of the hold created earlier in the same message waits for the next batch and sees it
    expect(list[3]).toEqual({ ok: true, data: { holdId: a, status: 'posted', capturedMicros: '40000', releasedMicros: '60000', overageMicros: '0', unbilledMicros: '0' } });
    expect(list[4]).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('ledger.hold.release: holdId') } });
    expect(await transfersOf(b)).toEqual([]);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '960000', pendingMicros: '0', availableMicros: '960000' });
  });

  it('refuses a message that is not an array of at most 256 commands, as a whole', async () => {
    expect(await rawBatch({ op: 'create' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const tooMany = Array.from({ length: 257 }, (_, i) => ({ op: 'release', payload: { holdId: `n-${i}`, reason: 'x' } }));
    expect(await rawBatch(tooMany)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('at most 256') } });
  });

  it('the client sends the commands of one tick as one message, each with its own result', async () => {
    const workspaceId = await fundedWorkspace(1_000_000n);
    const watch = await watchMessages();
    const ids = Array.from({ length: 40 }, () => `tick-${randomUUID()}`);
    const results = await Promise.all(ids.map((holdId) => create(workspaceId, holdId, 1_000n)));
    watch.stop();
    expect(results.map((r) => r.holdId)).toEqual(ids);
    expect(results.every((r) => r.amountMicros === '1000')).toBe(true);
    expect(watch.sizes).toEqual([40]);
    const captured = await Promise.all(ids.map((holdId) => holds.capture({ holdId, amountMicros: '600', metadata: {} }, { timeoutMs: 2_000 })));
    expect(captured.every((r) => r.status === 'posted' && r.releasedMicros === '400')).toBe(true);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: String(1_000_000 - 40 * 600), pendingMicros: '0' });
  });

  it('is idempotent by holdId: a re-sent create and capture answer the first result and change nothing', async () => {
    const workspaceId = await fundedWorkspace(500_000n);
    const holdId = `idem-${randomUUID()}`;
    const first = await create(workspaceId, holdId, 200_000n);
    const [again, concurrent] = await Promise.all([create(workspaceId, holdId, 200_000n), create(workspaceId, holdId, 200_000n)]);
    expect(first).toEqual({ holdId, status: 'pending', amountMicros: '200000', availableMicros: '300000' });
    expect(again).toMatchObject({ holdId, status: 'pending', amountMicros: '200000' });
    expect(concurrent).toMatchObject({ holdId, status: 'pending', amountMicros: '200000' });
    const capture = () => holds.capture({ holdId, amountMicros: '150000', metadata: {} }, { timeoutMs: 2_000 });
    const [c1, c2] = await Promise.all([capture(), capture()]);
    expect(c2).toEqual(c1);
    expect(await capture()).toEqual(c1);
    expect(await transfersOf(holdId)).toEqual(['pending', 'post']);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '350000', pendingMicros: '0' });
  });

  it('keeps the insufficient_balance code and details end to end', async () => {
    const workspaceId = await fundedWorkspace(1_000n);
    const holdId = `poor-${randomUUID()}`;
    const error = await create(workspaceId, holdId, 5_000n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'insufficient_balance', details: { availableMicros: '1000', requiredMicros: '5000' } });
    const missing = await holds.capture({ holdId: `nohold-${randomUUID()}`, amountMicros: '1', metadata: {} }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'not_found' });
  });

  it('a release before its create leaves a tombstone: the late create is refused and nothing is held', async () => {
    const workspaceId = await fundedWorkspace(100_000n);
    const holdId = `late-${randomUUID()}`;
    const released = await holds.release({ holdId, reason: 'gave up' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(released).toMatchObject({ code: 'not_found' });
    expect(await create(workspaceId, holdId, 10_000n).catch((e: unknown) => e)).toMatchObject({ code: 'conflict', message: expect.stringContaining('released before it was created') });
    // a second release is still answered the same way, and the hold never reaches the journal
    expect(await holds.release({ holdId, reason: 'again' }, { timeoutMs: 2_000 }).catch((e: unknown) => e)).toMatchObject({ code: 'not_found' });
    expect(await transfersOf(holdId)).toEqual([]);
    expect(await balance(workspaceId)).toMatchObject({ postedMicros: '100000', pendingMicros: '0', availableMicros: '100000' });
    // a release after a create is unaffected
    const normal = `normal-${randomUUID()}`;
    await create(workspaceId, normal, 10_000n);
    expect(await holds.release({ holdId: normal, reason: 'done' }, { timeoutMs: 2_000 })).toEqual({ holdId: normal, status: 'voided', releasedMicros: '10000' });
  });

  it('no ledger subscribed: service_unavailable at once (no responders), never a hang', async () => {
    const lonely = new HoldCommandsClient({ serviceName: 'test', url: NATS_URL, subjectPrefix: uniqueSubjectPrefix(), requestTimeoutMs: 2_000 });
    try {
      const startedAt = Date.now();
      const error = await lonely.create({ holdId: 'h-none', workspaceId: randomUUID(), amountMicros: '1', timeoutMs: 60_000, metadata: {} }, { timeoutMs: 1_500 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'service_unavailable' });
      expect(Date.now() - startedAt).toBeLessThan(1_500);
    } finally {
      await lonely.close();
    }
  });

  it('a paused ledger: each command fails with service_unavailable within its own timeout, and the audit stays balanced', async () => {
    const workspaceId = await fundedWorkspace(100_000n);
    ledger.process.kill('SIGSTOP');
    const startedAt = Date.now();
    let settledAt = 0;
    try {
      const results = await Promise.allSettled([create(workspaceId, `paused-${randomUUID()}`, 1_000n, 300), create(workspaceId, `paused-${randomUUID()}`, 1_000n, 800)]);
      settledAt = Date.now() - startedAt;
      expect(results.map((r) => r.status === 'rejected' && (r.reason as AppError).code)).toEqual(['service_unavailable', 'service_unavailable']);
      expect((results[0] as PromiseRejectedResult).reason.message).toContain('300 ms');
    } finally {
      ledger.process.kill('SIGCONT');
    }
    expect(settledAt).toBeGreaterThanOrEqual(750);
    expect(settledAt).toBeLessThan(2_000);
    expect(await commands.request(LedgerAuditRun, {}, 15_000)).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
  });
});
