import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, uniqueSubjectPrefix } from '@switchyard/testing';
import { Client } from 'pg';
import { holdIdsInOneShard } from './support/hold-shards';

// The set-based batch function (ledger.apply_hold_batch) decides a whole batch in one pass. The per-command
// function it replaced (ledger.execute_hold_batch: one subtransaction per command) stays in the schema as the
// reference: random batches go through both, on twin workspaces, and must answer and book exactly the same.

type Op =
  | { op: 'create'; ws: number; hold: number; amount: number; min?: number; expiring: boolean }
  | { op: 'capture'; hold: number; amount: number }
  | { op: 'release'; hold: number };
type Step = { fund: { ws: number; amount: number } } | { batch: Op[] };

const WORKSPACES = 2;
const HOLDS = 6;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record(
    {
      op: fc.constant('create' as const),
      ws: fc.nat(WORKSPACES - 1),
      hold: fc.nat(HOLDS - 1),
      amount: fc.integer({ min: 1, max: 60_000 }),
      min: fc.integer({ min: 0, max: 30_000 }),
      expiring: fc.boolean(),
    },
    { requiredKeys: ['op', 'ws', 'hold', 'amount', 'expiring'] },
  ),
  fc.record({ op: fc.constant('capture' as const), hold: fc.nat(HOLDS - 1), amount: fc.integer({ min: 0, max: 120_000 }) }),
  fc.record({ op: fc.constant('release' as const), hold: fc.nat(HOLDS - 1) }),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ fund: fc.record({ ws: fc.nat(WORKSPACES - 1), amount: fc.integer({ min: 1, max: 100_000 }) }) }) },
  { weight: 4, arbitrary: fc.record({ batch: fc.array(opArb, { minLength: 1, maxLength: 14 }) }) },
);

interface BatchRow {
  out_index: number;
  out_result: Record<string, string> | null;
  out_error_code: string | null;
  out_error_message: string | null;
  out_error_detail: string | null;
}

describe('set-based hold batches against the per-command reference', () => {
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('ledgerbatch');
    // the service only migrates the schema and serves the audit; its sweeper must not race the twins
    ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(), LEDGER_SWEEP_INTERVAL_MS: '600000' });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await ledger?.stop();
    await db?.drop();
  });

  async function openWorkspace(): Promise<string> {
    const workspaceId = randomUUID();
    await pg.query(
      `INSERT INTO ledger.accounts (code, type, workspace_id, debits_must_not_exceed_credits) VALUES ($1, 'liability', $2, true)`,
      [`liability:workspace_credit:${workspaceId}`, workspaceId],
    );
    return workspaceId;
  }

  async function fund(workspaceId: string, amount: number): Promise<void> {
    const key = `fund:${randomUUID()}`;
    await pg.query('SELECT * FROM ledger.create_transfers($1, $2::jsonb)', [
      key,
      JSON.stringify([{ idempotencyKey: key, debitAccount: 'equity:owner', creditAccount: `liability:workspace_credit:${workspaceId}`, amountMicros: String(amount), reason: 'operator_grant' }]),
    ]);
  }

  async function counters(workspaceId: string) {
    const { rows } = await pg.query<Record<string, string>>(
      `SELECT debits_pending::text, debits_posted::text, credits_pending::text, credits_posted::text FROM ledger.accounts WHERE code = $1`,
      [`liability:workspace_credit:${workspaceId}`],
    );
    return rows[0];
  }

  async function execute(fn: 'apply_hold_batch' | 'execute_hold_batch' | 'apply_hold_commands', commands: unknown[]): Promise<BatchRow[]> {
    const { rows } = await pg.query<BatchRow>(
      `SELECT out_index, out_result, out_error_code, out_error_message, out_error_detail FROM ledger.${fn}($1::jsonb)`,
      [JSON.stringify(commands)],
    );
    return rows;
  }

  async function expectAuditClean(): Promise<void> {
    const audit = await (await fetch(`${ledger.url}/audit`)).json();
    expect(audit).toMatchObject({ balanced: true, debitsMinusCreditsMicros: '0', mismatchedAccounts: [], overdrawnAccounts: [] });
  }

  it('answers and books every random batch exactly as the per-command function does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 10 }), async (steps) => {
        const run = randomUUID().slice(0, 8);
        type Twin = { fn: 'apply_hold_batch' | 'execute_hold_batch'; tag: string; workspaces: string[] };
        const twins: { set: Twin; ref: Twin } = {
          set: { fn: 'apply_hold_batch' as const, tag: `${run}-S`, workspaces: [await openWorkspace(), await openWorkspace()] },
          ref: { fn: 'execute_hold_batch' as const, tag: `${run}-R`, workspaces: [await openWorkspace(), await openWorkspace()] },
        };
        const normalize = (twin: Twin, rows: BatchRow[]) => {
          let text = JSON.stringify(rows.map((r) => ({ i: r.out_index, result: r.out_result, code: r.out_error_code, message: r.out_error_message, detail: r.out_error_detail })));
          text = text.split(twin.tag).join('H');
          twin.workspaces.forEach((w, i) => (text = text.split(w).join(`W${i}`)));
          return JSON.parse(text) as unknown;
        };
        for (const [index, step] of steps.entries()) {
          if ('fund' in step) {
            for (const twin of Object.values(twins)) await fund(twin.workspaces[step.fund.ws]!, step.fund.amount);
            continue;
          }
          // one command per hold per batch, as the batcher forms them
          const seen = new Set<number>();
          const ops = step.batch.filter((o) => !seen.has(o.hold) && seen.add(o.hold));
          const answers = [];
          for (const twin of Object.values(twins)) {
            const commands = ops.map((o) =>
              o.op === 'create'
                ? { op: 'create', holdId: `${twin.tag}-${o.hold}`, workspaceId: twin.workspaces[o.ws], amount: String(o.amount), minAmount: o.min === undefined ? null : String(o.min), timeoutMs: o.expiring ? 1 : 600_000, metadata: { step: index } }
                : o.op === 'capture'
                  ? { op: 'capture', holdId: `${twin.tag}-${o.hold}`, amount: String(o.amount), metadata: { step: index } }
                  : { op: 'release', holdId: `${twin.tag}-${o.hold}`, reason: 'test' },
            );
            answers.push(normalize(twin, await execute(twin.fn, commands)));
          }
          expect({ index, ops, answer: answers[0] }).toEqual({ index, ops, answer: answers[1] });
          for (let ws = 0; ws < WORKSPACES; ws++) {
            expect({ index, ws, counters: await counters(twins.set.workspaces[ws]!) }).toEqual({ index, ws, counters: await counters(twins.ref.workspaces[ws]!) });
          }
          // holds created with a 1 ms timeout are past it by the next step, for both twins
          await new Promise((r) => setTimeout(r, 3));
        }
      }),
      { numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 40), ...(process.env.LEDGER_PROPERTY_SEED ? { seed: Number(process.env.LEDGER_PROPERTY_SEED) } : {}) },
    );
    await expectAuditClean();
  });

  it('decides a hot account in batch order: a refused command writes nothing and does not fail the others', async () => {
    const workspaceId = await openWorkspace();
    await fund(workspaceId, 25_000);
    const tag = randomUUID();
    const before = Number((await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger.transfers')).rows[0]!.n);
    const rows = await execute('apply_hold_batch', [
      { op: 'create', holdId: `${tag}-1`, workspaceId, amount: '10000', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: `${tag}-2`, workspaceId, amount: '10000', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: `${tag}-3`, workspaceId, amount: '10000', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'capture', holdId: `${tag}-unknown`, amount: '5', metadata: {} },
      { op: 'create', holdId: `${tag}-4`, workspaceId, amount: '10000', minAmount: '4000', timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: `${tag}-5`, workspaceId, amount: '1', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: `${tag}-1`, workspaceId, amount: '10000', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: `${tag}-6`, workspaceId: randomUUID(), amount: '1', minAmount: null, timeoutMs: 60_000, metadata: {} },
    ]);
    expect(rows.map((r) => [r.out_error_code, r.out_result])).toEqual([
      [null, { result: 'created', amount: '10000', available: '15000' }],
      [null, { result: 'created', amount: '10000', available: '5000' }],
      ['LDG03', null],
      ['LDG01', null],
      [null, { result: 'created', amount: '5000', available: '0' }],
      ['LDG03', null],
      // the same hold twice in one batch: the second goes to the next batch, where it answers `exists`
      ['40001', null],
      ['LDG01', null],
    ]);
    expect(JSON.parse(rows[2]!.out_error_detail!)).toEqual({ availableMicros: '5000', requiredMicros: '10000' });
    expect(await counters(workspaceId)).toEqual({ debits_pending: '25000', debits_posted: '0', credits_pending: '0', credits_posted: '25000' });
    const after = Number((await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger.transfers')).rows[0]!.n);
    expect(after - before).toBe(3);
    const [again] = await execute('apply_hold_batch', [{ op: 'create', holdId: `${tag}-1`, workspaceId, amount: '10000', minAmount: null, timeoutMs: 60_000, metadata: {} }]);
    expect(again!.out_result).toEqual({ result: 'exists', amount: '10000', available: '0' });

    // one batch: each command sees the balance the ones before it left
    const resolved = await execute('apply_hold_batch', [
      { op: 'release', holdId: `${tag}-4`, reason: 'upstream_error' },
      // posts 10000; 5000 is free again (hold 4 released, hold 2 still pending): the 2000 excess is overage
      { op: 'capture', holdId: `${tag}-1`, amount: '12000', metadata: {} },
      // posts 10000; 3000 is left: 3000 overage, 6000 unbilled
      { op: 'capture', holdId: `${tag}-2`, amount: '19000', metadata: {} },
      { op: 'capture', holdId: `${tag}-4`, amount: '1', metadata: {} },
    ]);
    expect(resolved.map((r) => r.out_result)).toEqual([
      { result: 'created', status: 'voided', released: '5000' },
      { result: 'created', status: 'posted', captured: '10000', released: '0', overage: '2000', unbilled: '0' },
      { result: 'created', status: 'posted', captured: '10000', released: '0', overage: '3000', unbilled: '6000' },
      // hold 4's release is not committed yet when the batch is read: a second command on it waits for the next batch
      null,
    ]);
    expect(resolved[3]!.out_error_code).toBe('40001');
    expect(await counters(workspaceId)).toEqual({ debits_pending: '0', debits_posted: '25000', credits_pending: '0', credits_posted: '25000' });
    const [late] = await execute('apply_hold_batch', [{ op: 'capture', holdId: `${tag}-4`, amount: '1', metadata: {} }]);
    expect(late!.out_result).toMatchObject({ result: 'exists', status: 'voided', captured: '0' });
    await expectAuditClean();
  });

  it('a command that would overflow a counter fails alone; the rest of its batch commits', async () => {
    const workspaceId = await openWorkspace();
    await fund(workspaceId, 10_000);
    // two holds of one shard: both credit the shard's revenue account, whose counter the second would overflow
    const [first, second] = holdIdsInOneShard(randomUUID(), 2);
    await execute('apply_hold_batch', [
      { op: 'create', holdId: first, workspaceId, amount: '1000', minAmount: null, timeoutMs: 60_000, metadata: {} },
      { op: 'create', holdId: second, workspaceId, amount: '1000', minAmount: null, timeoutMs: 60_000, metadata: {} },
    ]);
    // the first books about 2^62 as revenue and unbilled usage; adding 2^62 + 2^61 more would pass 2^63
    const rows = await execute('apply_hold_batch', [
      { op: 'capture', holdId: first, amount: (2n ** 62n).toString(), metadata: {} },
      { op: 'capture', holdId: second, amount: (2n ** 62n + 2n ** 61n).toString(), metadata: {} },
    ]);
    expect(rows.map((r) => r.out_error_code)).toEqual([null, '22003']);
    expect(rows[0]!.out_result).toMatchObject({ status: 'posted', captured: '1000', overage: '8000' });
    expect(await counters(workspaceId)).toMatchObject({ debits_pending: '1000', debits_posted: '9000' });
    const released = await execute('apply_hold_batch', [{ op: 'release', holdId: second, reason: 'test' }]);
    expect(released[0]!.out_result).toMatchObject({ status: 'voided', released: '1000' });
    // Σ over accounts is computed in numeric: still balanced with a counter near 2^63
    await expectAuditClean();
  });

  it('apply_hold_commands refuses a late create in place, decides the rest of its batch, and tombstones a release that finds no hold', async () => {
    const workspaceId = await openWorkspace();
    await fund(workspaceId, 25_000);
    const tag = randomUUID();
    const create = (hold: string, amount: string) => ({ op: 'create', holdId: `${tag}-${hold}`, workspaceId, amount, minAmount: null, timeoutMs: 60_000, metadata: {} });
    const release = (hold: string) => ({ op: 'release', holdId: `${tag}-${hold}`, reason: 'timeout' });
    const tombstones = async () =>
      (await pg.query<{ hold_id: string }>('SELECT hold_id FROM ledger.hold_tombstones WHERE hold_id LIKE $1 ORDER BY hold_id', [`${tag}-%`])).rows.map((r) => r.hold_id);

    const first = await execute('apply_hold_commands', [release('late-1'), create('1', '10000'), release('late-2')]);
    expect(first.map((r) => [r.out_index, r.out_error_code, r.out_result])).toEqual([
      [0, 'LDG01', null],
      [1, null, { result: 'created', amount: '10000', available: '15000' }],
      [2, 'LDG01', null],
    ]);
    expect(await tombstones()).toEqual([`${tag}-late-1`, `${tag}-late-2`]);

    // refused creates keep their place; the others are decided in order, each seeing the ones before it
    const rows = await execute('apply_hold_commands', [
      create('late-1', '1000'),
      create('2', '10000'),
      { op: 'capture', holdId: `${tag}-1`, amount: '4000', metadata: {} },
      create('late-2', '1000'),
      release('late-3'),
      create('3', '10000'),
    ]);
    expect(rows.map((r) => [r.out_index, r.out_error_code, r.out_result])).toEqual([
      [0, 'LDG02', null],
      [1, null, { result: 'created', amount: '10000', available: '5000' }],
      [2, null, { result: 'created', status: 'posted', captured: '4000', released: '6000', overage: '0', unbilled: '0' }],
      [3, 'LDG02', null],
      [4, 'LDG01', null],
      [5, null, { result: 'created', amount: '10000', available: '1000' }],
    ]);
    expect(rows[0]!.out_error_message).toBe(`Hold ${tag}-late-1 was released before it was created.`);
    expect(JSON.parse(rows[3]!.out_error_detail!)).toEqual({ holdId: `${tag}-late-2` });
    expect(await tombstones()).toEqual([`${tag}-late-1`, `${tag}-late-2`, `${tag}-late-3`]);
    expect(await counters(workspaceId)).toEqual({ debits_pending: '20000', debits_posted: '4000', credits_pending: '0', credits_posted: '25000' });

    // a batch of late creates only: nothing is decided, nothing is written
    const refused = await execute('apply_hold_commands', [create('late-3', '1000'), create('late-1', '1000')]);
    expect(refused.map((r) => [r.out_index, r.out_error_code])).toEqual([
      [0, 'LDG02'],
      [1, 'LDG02'],
    ]);
    const late = await pg.query('SELECT 1 FROM ledger.transfers WHERE idempotency_key LIKE $1', [`hold:${tag}-late-%`]);
    expect(late.rowCount).toBe(0);
    await expectAuditClean();
  });
});
