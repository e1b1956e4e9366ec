/**
 * The batch function alone, without NATS or the ledger process: a fresh database migrated with the ledger's
 * migrations, workspaces funded, then batches of `size` holds (create) and of their captures sent straight to
 * Postgres, spread over the workspaces or all on one (hot). Prints wall-clock µs per command, and the CPU
 * µs per command of the Postgres backend that ran them (less sensitive to other load on a shared machine).
 * Compares the per-command-subtransaction function (execute_hold_batch) with the set-based one (apply_hold_batch),
 * and with apply_hold_commands (apply_hold_batch behind the release-tombstone check), which the ledger calls.
 *
 * `--before` also migrates a second database only up to the migration before the last one, and runs every
 * measurement on both back to back, so a change to the batch functions shows before/after side by side (rows
 * tagged `schema`).
 *
 * `--named` sends each batch as a named statement (prepared once per connection), as HoldBatchRepository does;
 * without it, an unnamed one (parsed and planned per call, ~50-90 µs of Postgres CPU more per call).
 *
 * Usage: node -r @swc-node/register bench/ledger/batch-sql-bench.ts [--sizes 1,10,100,500] [--functions apply_hold_batch,execute_hold_batch] [--commands 4000] [--before] [--named]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@switchyard/testing';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateLedger1767225600000 } from '../../apps/ledger/src/database/migrations/1767225600000-create-ledger';
import { HoldBatches1767312000000 } from '../../apps/ledger/src/database/migrations/1767312000000-hold-batches';
import { SetBasedHoldBatches1767398400000 } from '../../apps/ledger/src/database/migrations/1767398400000-set-based-hold-batches';
import { HoldReleaseTombstones1767484800000 } from '../../apps/ledger/src/database/migrations/1767484800000-hold-release-tombstones';
import { SingleCallHoldBatches1767571200000 } from '../../apps/ledger/src/database/migrations/1767571200000-single-call-hold-batches';
import { CheaperHoldBatches1767657600000 } from '../../apps/ledger/src/database/migrations/1767657600000-cheaper-hold-batches';
import { ShardedHoldAccounts1767744000000 } from '../../apps/ledger/src/database/migrations/1767744000000-sharded-hold-accounts';
import { InlinedHoldAccountCode1767830400000 } from '../../apps/ledger/src/database/migrations/1767830400000-inlined-hold-account-code';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,100,500' },
    functions: { type: 'string', default: 'execute_hold_batch,apply_hold_batch' },
    commands: { type: 'string', default: '4000' },
    accounts: { type: 'string', default: '1000' },
    before: { type: 'boolean', default: false },
    named: { type: 'boolean', default: false },
    'session-sql': { type: 'string' },
  },
});

function backendCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Schema {
  schema: 'before' | 'after';
  pg: Client;
  pid: number;
  workspaces: string[];
  drop: () => Promise<void>;
}

/** A fresh database migrated with `migrations`, `--accounts` workspaces funded, and the backend that serves it. */
async function prepare(schema: Schema['schema'], migrations: MigrationInterface[]): Promise<Schema> {
  const db = await createTestDatabase('ledgersqlbench');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const runner = { query: (sql: string) => pg.query(sql) } as unknown as QueryRunner;
  for (const migration of migrations) await migration.up(runner);
  const workspaces = Array.from({ length: Number(args.accounts) }, () => randomUUID());
  await pg.query(
    `INSERT INTO ledger.accounts (code, type, workspace_id, debits_must_not_exceed_credits)
     SELECT 'liability:workspace_credit:' || w, 'liability', w::uuid, true FROM unnest($1::text[]) w`,
    [workspaces],
  );
  await pg.query(
    `SELECT ledger.create_transfers('bench-fund', (SELECT jsonb_agg(jsonb_build_object('idempotencyKey', 'fund:' || w, 'debitAccount', 'equity:owner',
       'creditAccount', 'liability:workspace_credit:' || w, 'amountMicros', '1000000000000', 'reason', 'operator_grant')) FROM unnest($1::text[]) w))`,
    [workspaces],
  );
  if (args['session-sql']) await pg.query(args['session-sql']);
  const pid = (await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    schema,
    pg,
    pid,
    workspaces,
    drop: async () => {
      await pg.end();
      await db.drop();
    },
  };
}

async function measure({ schema, pg, pid, workspaces }: Schema, fn: string, size: number, hot: boolean): Promise<Record<string, string | number>> {
  const rounds = Math.max(3, Math.ceil(Number(args.commands) / size));
  let createMs = 0;
  let captureMs = 0;
  const cpuBefore = backendCpuMs(pid);
  for (let round = 0; round < rounds; round++) {
    const ids = Array.from({ length: size }, () => randomUUID());
    const creates = ids.map((holdId, i) => ({ op: 'create', holdId, workspaceId: workspaces[hot ? 0 : (round * size + i) % workspaces.length], amount: '5000', minAmount: null, timeoutMs: 600_000, metadata: {} }));
    const captures = ids.map((holdId) => ({ op: 'capture', holdId, amount: '3217', metadata: {} }));
    for (const [commands, add] of [
      [creates, (ms: number) => (createMs += ms)],
      [captures, (ms: number) => (captureMs += ms)],
    ] as const) {
      const started = performance.now();
      const text = `SELECT out_error_code FROM ledger.${fn}($1::jsonb)`;
      const values = [JSON.stringify(commands)];
      // --named: a named statement, prepared once per connection, as HoldBatchRepository sends it
      const { rows } = await pg.query<{ out_error_code: string | null }>(args.named ? { name: `bench_${fn}`, text, values } : { text, values });
      add(performance.now() - started);
      if (rows.some((r) => r.out_error_code !== null)) throw new Error(`${fn}: ${rows.find((r) => r.out_error_code)!.out_error_code}`);
    }
  }
  const commands = rounds * size;
  return {
    ...(args.before ? { schema } : {}),
    function: fn,
    size,
    accounts: hot ? 'hot' : 'spread',
    createMicrosPerCommand: Math.round((createMs * 1_000) / commands),
    captureMicrosPerCommand: Math.round((captureMs * 1_000) / commands),
    postgresCpuMicrosPerCommand: Math.round(((backendCpuMs(pid) - cpuBefore) * 1_000) / (2 * commands)),
  };
}

async function main(): Promise<void> {
  const migrations: MigrationInterface[] = [
    new CreateLedger1767225600000(),
    new HoldBatches1767312000000(),
    new SetBasedHoldBatches1767398400000(),
    new HoldReleaseTombstones1767484800000(),
    new SingleCallHoldBatches1767571200000(),
    new CheaperHoldBatches1767657600000(),
    new ShardedHoldAccounts1767744000000(),
    new InlinedHoldAccountCode1767830400000(),
  ];
  const schemas: Schema[] = [];
  try {
    // with --before, each measurement runs on both databases back to back, so load on a shared machine hits both alike
    if (args.before) schemas.push(await prepare('before', migrations.slice(0, -1)));
    schemas.push(await prepare('after', migrations));
    for (const fn of args.functions.split(',')) {
      for (const size of args.sizes.split(',').map(Number)) {
        for (const hot of [false, true]) {
          for (const schema of schemas) process.stdout.write(`${JSON.stringify(await measure(schema, fn, size, hot))}\n`);
        }
      }
    }
  } finally {
    for (const schema of schemas) await schema.drop();
  }
}

void main();
