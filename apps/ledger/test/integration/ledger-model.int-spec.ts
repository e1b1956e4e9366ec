import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  LedgerAccountOpen,
  LedgerAuditRun,
  LedgerBalanceGet,
  LedgerHoldCapture,
  LedgerHoldCreate,
  LedgerHoldRelease,
  LedgerTransferCreate,
  workspaceCreditAccount,
} from '@switchyard/contracts';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix } from '@switchyard/testing';

// Random sequences of holds, captures, releases, transfers and retries against the real service,
// checked step by step against an in-memory BigInt model (TigerBeetle's auditor, in small).

type Command =
  | { kind: 'fund'; ws: number; amount: bigint }
  | { kind: 'hold'; ws: number; hold: number; amount: bigint; min?: bigint }
  | { kind: 'capture'; hold: number; amount: bigint }
  | { kind: 'release'; hold: number }
  | { kind: 'transfer'; from: number; to: number; amount: bigint };

interface ModelHold {
  ws: number;
  amount: bigint;
  state: 'open' | 'posted' | 'voided';
  capture?: Record<string, string>;
}

interface Model {
  posted: bigint[];
  pending: bigint[];
  holds: Map<number, ModelHold>;
  /** holds released before they existed: a later create of the same holdId is refused */
  tombstones: Set<number>;
}

const WORKSPACES = 3;
const HOLDS = 6;
const amountArb = fc.bigInt({ min: 1n, max: 200_000n });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('fund' as const), ws: fc.nat(WORKSPACES - 1), amount: amountArb }),
  fc.record(
    { kind: fc.constant('hold' as const), ws: fc.nat(WORKSPACES - 1), hold: fc.nat(HOLDS - 1), amount: amountArb, min: fc.bigInt({ min: 0n, max: 100_000n }) },
    { requiredKeys: ['kind', 'ws', 'hold', 'amount'] },
  ),
  fc.record({ kind: fc.constant('capture' as const), hold: fc.nat(HOLDS - 1), amount: fc.bigInt({ min: 0n, max: 300_000n }) }),
  fc.record({ kind: fc.constant('release' as const), hold: fc.nat(HOLDS - 1) }),
  fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(WORKSPACES - 1), to: fc.nat(WORKSPACES - 1), amount: amountArb }),
);

describe('ledger against an in-memory model (property)', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let client: TestCommandClient;

  beforeAll(async () => {
    db = await createTestDatabase('ledgermodel');
    ledger = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });
    client = await TestCommandClient.connect(prefix);
  });

  afterAll(async () => {
    await client?.close();
    await ledger?.stop();
    await db?.drop();
  });

  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise;
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code ?? 'unknown';
    }
  }

  async function run(commands: Command[]): Promise<void> {
    const run = randomUUID().slice(0, 8);
    const workspaces = Array.from({ length: WORKSPACES }, () => randomUUID());
    const holdId = (i: number) => `p-${run}-${i}`;
    for (const workspaceId of workspaces) await client.request(LedgerAccountOpen, { workspaceId });
    const model: Model = { posted: workspaces.map(() => 0n), pending: workspaces.map(() => 0n), holds: new Map(), tombstones: new Set() };
    const available = (ws: number) => model.posted[ws]! - model.pending[ws]!;

    for (const [step, command] of commands.entries()) {
      const where = `step ${step} ${JSON.stringify(command, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
      switch (command.kind) {
        case 'fund': {
          await client.request(LedgerTransferCreate, {
            journalKey: `fund:${run}:${step}`,
            transfers: [{ idempotencyKey: `fund:${run}:${step}`, debitAccount: 'equity:owner', creditAccount: workspaceCreditAccount(workspaces[command.ws]!), amountMicros: command.amount.toString(), reason: 'operator_grant', metadata: {} }],
          });
          model.posted[command.ws]! += command.amount;
          break;
        }
        case 'hold': {
          const existing = model.holds.get(command.hold);
          const request = client.request(LedgerHoldCreate, {
            holdId: holdId(command.hold),
            workspaceId: workspaces[command.ws]!,
            amountMicros: command.amount.toString(),
            ...(command.min === undefined ? {} : { minAmountMicros: command.min.toString() }),
            timeoutMs: 600_000,
            metadata: {},
          });
          if (existing) {
            if (existing.ws === command.ws) expect({ where, amount: (await request).amountMicros }).toEqual({ where, amount: existing.amount.toString() });
            else expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'conflict' });
            break;
          }
          if (model.tombstones.has(command.hold)) {
            expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'conflict' });
            break;
          }
          const avail = available(command.ws);
          const held = avail >= command.amount ? command.amount : command.min !== undefined && avail >= command.min ? avail : undefined;
          if (held === undefined) {
            expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'insufficient_balance' });
            break;
          }
          expect({ where, amount: (await request).amountMicros }).toEqual({ where, amount: held.toString() });
          model.pending[command.ws]! += held;
          model.holds.set(command.hold, { ws: command.ws, amount: held, state: 'open' });
          break;
        }
        case 'capture': {
          const hold = model.holds.get(command.hold);
          const request = client.request(LedgerHoldCapture, { holdId: holdId(command.hold), amountMicros: command.amount.toString(), metadata: {} });
          if (!hold) {
            expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'not_found' });
            break;
          }
          const reply = await request;
          if (hold.state === 'posted') {
            expect({ where, reply }).toEqual({ where, reply: hold.capture });
          } else if (hold.state === 'voided') {
            expect({ where, reply }).toMatchObject({ where, reply: { status: 'voided', capturedMicros: '0', overageMicros: '0', unbilledMicros: '0' } });
          } else {
            const post = command.amount < hold.amount ? command.amount : hold.amount;
            model.pending[hold.ws]! -= hold.amount;
            model.posted[hold.ws]! -= post;
            const excess = command.amount - post;
            const avail = available(hold.ws) > 0n ? available(hold.ws) : 0n;
            const charge = excess < avail ? excess : avail;
            model.posted[hold.ws]! -= charge;
            const expected = {
              holdId: holdId(command.hold),
              status: 'posted',
              capturedMicros: post.toString(),
              releasedMicros: (hold.amount - post).toString(),
              overageMicros: charge.toString(),
              unbilledMicros: (excess - charge).toString(),
            };
            expect({ where, reply }).toEqual({ where, reply: expected });
            hold.state = 'posted';
            hold.capture = expected;
          }
          break;
        }
        case 'release': {
          const hold = model.holds.get(command.hold);
          const request = client.request(LedgerHoldRelease, { holdId: holdId(command.hold), reason: 'test' });
          if (!hold) {
            expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'not_found' });
            model.tombstones.add(command.hold);
            break;
          }
          const reply = await request;
          if (hold.state === 'open') {
            model.pending[hold.ws]! -= hold.amount;
            hold.state = 'voided';
          }
          const released = hold.state === 'posted' ? (hold.amount - BigInt(hold.capture!.capturedMicros!)).toString() : hold.amount.toString();
          expect({ where, reply }).toEqual({ where, reply: { holdId: holdId(command.hold), status: hold.state, releasedMicros: released } });
          break;
        }
        case 'transfer': {
          const request = client.request(LedgerTransferCreate, {
            journalKey: `move:${run}:${step}`,
            transfers: [{ idempotencyKey: `move:${run}:${step}`, debitAccount: workspaceCreditAccount(workspaces[command.from]!), creditAccount: workspaceCreditAccount(workspaces[command.to]!), amountMicros: command.amount.toString(), reason: 'correction', metadata: {} }],
          });
          if (command.from === command.to) expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'invalid_request' });
          else if (available(command.from) < command.amount) expect({ where, code: await codeOf(request) }).toEqual({ where, code: 'insufficient_balance' });
          else {
            await request;
            model.posted[command.from]! -= command.amount;
            model.posted[command.to]! += command.amount;
          }
          break;
        }
      }
      for (const [ws, workspaceId] of workspaces.entries()) {
        const balance = await client.request(LedgerBalanceGet, { workspaceId });
        expect({ where, ws, balance }).toEqual({
          where,
          ws,
          balance: { workspaceId, postedMicros: model.posted[ws]!.toString(), pendingMicros: model.pending[ws]!.toString(), availableMicros: available(ws).toString() },
        });
        expect(available(ws) >= 0n).toBe(true);
      }
    }
    // after every run: Σ balances 0, cached counters = sums recomputed from the journal, no hold resolved twice
    const audit = await client.request(LedgerAuditRun, {}, 15_000);
    expect(audit).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
  }

  it('matches the model after every command, and the audit stays balanced', async () => {
    await fc.assert(fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 30 }), run), {
      numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 30),
      ...(process.env.LEDGER_PROPERTY_SEED ? { seed: Number(process.env.LEDGER_PROPERTY_SEED) } : {}),
    });
    const audit = await (await fetch(`${ledger.url}/audit`)).json();
    expect(audit).toMatchObject({ balanced: true, debitsMinusCreditsMicros: '0', mismatchedAccounts: [], overdrawnAccounts: [], holdsPastTimeout: 0 });
  });
});
