#!/usr/bin/env node
// The floor of a durable hold on this machine, for ledger-bench's `floor` scenario: a NATS responder that commits
// one row per request, group-committed (whatever arrives while a commit is in flight forms the next one, as the
// ledger's batcher does) with synchronous_commit on, and answers each request after its commit. No business logic:
// what the ledger adds above this is its own cost; what is left is NATS, Postgres' commit and this machine.
//   DATABASE_URL=... NATS_URL=... FLOOR_SUBJECT=... node bench/ledger/durable-floor.mjs   (prints "ready")
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
await db.query('CREATE TABLE IF NOT EXISTS bench_durable_floor (id bigserial PRIMARY KEY, body text NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())');
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });

let queue = [];
let committing = false;
let scheduled = false;
/** Commits what is queued, then what arrived meanwhile, until the queue is empty: one commit in flight at a time. */
async function commitQueued() {
  scheduled = false;
  committing = true;
  try {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      await db.query({ name: 'floor_insert', text: 'INSERT INTO bench_durable_floor (body) SELECT unnest($1::text[])', values: [batch.map((m) => m.string())] });
      for (const message of batch) message.respond('{"ok":true}');
    }
  } finally {
    committing = false;
  }
}

nc.subscribe(process.env.FLOOR_SUBJECT ?? 'bench.durable-floor', {
  callback: (error, message) => {
    if (error) throw error;
    queue.push(message);
    // the commit loop in flight takes it; otherwise one commit for all that arrives in this loop turn
    if (committing || scheduled) return;
    scheduled = true;
    setImmediate(() =>
      commitQueued().catch((failure) => {
        // the bench counts unanswered commands as failures; say why before leaving
        process.stderr.write(`durable-floor: ${failure.stack ?? failure}\n`);
        process.exit(1);
      }),
    );
  },
});
await nc.flush();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await nc.drain();
  await db.end();
  process.exit(0);
});
