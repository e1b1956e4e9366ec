import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import type { RequestRecord } from './traffic';

/**
 * What the books say about the requests a client made, read straight from the stack's own database (the test owns
 * it) and its own NATS server — the same places an auditor would look.
 */

export interface HoldState {
  holdId: string;
  /** pending (unresolved), posted, voided or expired */
  resolution: 'pending' | 'post' | 'void' | 'expire';
  /** What left the workspace's credit for this hold: the posted amount plus any overage / late charge. */
  chargedMicros: bigint;
}

export async function withDatabase<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Every hold in the ledger with its resolution and what it took from the workspace credit. */
export async function holdStates(databaseUrl: string): Promise<Map<string, HoldState>> {
  return withDatabase(databaseUrl, async (db) => {
    const { rows } = await db.query<{ hold_id: string; resolution: string | null; charged: string }>(`
      SELECT substr(p.idempotency_key, 6) AS hold_id,
             (SELECT r.kind::text FROM ledger.transfers r WHERE r.pending_id = p.id) AS resolution,
             COALESCE((SELECT sum(t.amount) FROM ledger.transfers t
                        WHERE t.journal_key = p.journal_key AND t.debit_account_id = p.debit_account_id AND t.kind IN ('post', 'single')), 0)::text AS charged
        FROM ledger.transfers p
       WHERE p.kind = 'pending'`);
    return new Map(rows.map((r) => [r.hold_id, { holdId: r.hold_id, resolution: (r.resolution ?? 'pending') as HoldState['resolution'], chargedMicros: BigInt(r.charged) }]));
  });
}

export async function openHoldCount(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (db) => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger.pending_open')).rows[0].n));
}

/** billing.charges rows by request id: the billing inbox (one per settled completion event). */
export async function chargeRows(databaseUrl: string): Promise<Map<string, { costMicros: bigint; settlement: string; outcome: string; ledgerStatus: string }>> {
  return withDatabase(databaseUrl, async (db) => {
    const { rows } = await db.query<{ request_id: string; cost_micros: string; settlement: string; outcome: string; ledger_status: string }>(
      'SELECT request_id, cost_micros::text, settlement, outcome, ledger_status FROM billing.charges',
    );
    return new Map(rows.map((r) => [r.request_id, { costMicros: BigInt(r.cost_micros), settlement: r.settlement, outcome: r.outcome, ledgerStatus: r.ledger_status }]));
  });
}

/** Kills every backend connected to this one database (the shared server and other tests' databases are untouched). */
export async function terminateDatabaseConnections(adminUrl: string, databaseName: string): Promise<number> {
  return withDatabase(adminUrl, async (db) => {
    const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [databaseName]);
    for (const { pid } of rows) await db.query('SELECT pg_terminate_backend($1)', [pid]);
    return rows.length;
  });
}

export interface JetStreamState {
  deadLetters: number;
  billingPending: number;
  billingAckPending: number;
  billingRedelivered: number;
  completedEvents: number;
}

/** The billing consumer's backlog and the dead-letter stream, on the suite's own NATS server. */
export async function jetStreamState(natsUrl: string, subjectPrefix: string): Promise<JetStreamState> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const prefix = subjectPrefix.replace(/\./g, '_').toUpperCase();
    const deadLetters = await jsm.streams
      .info(`${prefix}DEAD_LETTERS`)
      .then((info) => info.state.messages)
      .catch(() => 0);
    const stream = `${prefix}GATEWAY_EVENTS`;
    const single = `${subjectPrefix}gateway.request.completed`;
    const several = `${subjectPrefix}gateway.requests.completed`;
    const subjects = (await jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}gateway.>` })).state.subjects ?? {};
    // billing consumes both: one completion per message, and messages of several
    const consumers = await Promise.all(
      ['billing-request-completed', 'billing-requests-completed'].map((name) => jsm.consumers.info(stream, name).catch(() => undefined)),
    );
    const sum = (read: (info: NonNullable<(typeof consumers)[number]>) => number) => consumers.reduce((total, info) => total + (info ? read(info) : 0), 0);
    return {
      deadLetters,
      billingPending: sum((info) => info.num_pending),
      billingAckPending: sum((info) => info.num_ack_pending),
      billingRedelivered: sum((info) => info.num_redelivered),
      completedEvents: (subjects[single] ?? 0) + (await completionsInBatches(nc, stream, several, subjects[several] ?? 0)),
    };
  } finally {
    await nc.close();
  }
}

/** Completions carried by the stream's `gateway.requests.completed` messages, read with an ordered consumer. */
async function completionsInBatches(nc: Awaited<ReturnType<typeof connect>>, stream: string, subject: string, messages: number): Promise<number> {
  if (messages === 0) return 0;
  const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: subject });
  let completions = 0;
  let read = 0;
  const fetched = await consumer.fetch({ max_messages: messages, expires: 10_000 });
  for await (const message of fetched) {
    completions += (message.json() as { events: unknown[] }).events.length;
    if (++read === messages) break;
  }
  if (read !== messages) throw new Error(`read ${read} of ${messages} gateway.requests.completed messages`);
  return completions;
}

export interface MoneyVerdict {
  problems: string[];
  succeeded: number;
  failed: number;
  failedWithReportedCost: number;
  /** Cut by a dying gateway after the upstream had answered in full: billed for that answer (see judgeRequests). */
  cutAfterAnswer: number;
  /** What those cut-after-answer requests were charged. */
  cutAfterAnswerMicros: bigint;
  chargedForSuccessesMicros: bigint;
}

/**
 * Per request: a success is charged exactly the cost the client was told, once (one hold, one resolution, one
 * charge row); a failure is charged nothing (its hold voided or expired) — unless the client was told a cost in a
 * mid-stream error chunk, which is then what it must be charged. Requests that failed before the gateway named
 * them cannot be looked up one by one; the balance check covers them.
 *
 * One exception, by design: the gateway records a served answer (its completion event, acked by JetStream) just
 * before the answer's last bytes go out, so that no answer a client received in full goes unbilled. A gateway killed
 * between that ack and the last write leaves a client with a broken connection — a stream that already has every
 * token and the finish chunk, or a JSON answer that never arrived — and a charge for the answer the provider
 * produced (DESIGN §3: a crash bills the usage the provider reported). Such a request must be charged exactly its
 * whole answer's cost, once: the charge row says `succeeded` and matches the ledger; never a partial amount.
 */
export function judgeRequests(records: RequestRecord[], holds: Map<string, HoldState>, charges: Map<string, { costMicros: bigint; settlement: string; outcome: string }>): MoneyVerdict {
  const problems: string[] = [];
  let succeeded = 0;
  let failed = 0;
  let failedWithReportedCost = 0;
  let chargedForSuccessesMicros = 0n;
  let cutAfterAnswer = 0;
  let cutAfterAnswerMicros = 0n;
  for (const record of records) {
    const hold = record.requestId ? holds.get(record.requestId) : undefined;
    const label = `#${record.seq} ${record.kind} ${record.requestId ?? '(no id)'}`;
    if (record.result === 'succeeded') {
      succeeded++;
      chargedForSuccessesMicros += record.reportedCostMicros ?? 0n;
      if (!record.requestId || !hold) {
        problems.push(`${label}: succeeded but no ledger hold`);
        continue;
      }
      if (hold.resolution === 'pending') problems.push(`${label}: succeeded, hold still pending`);
      if (hold.chargedMicros !== record.reportedCostMicros) problems.push(`${label}: succeeded with cost ${record.reportedCostMicros} but the ledger charged ${hold.chargedMicros} (hold ${hold.resolution})`);
      const charge = charges.get(record.requestId);
      if (!charge) problems.push(`${label}: succeeded but billing has no charge row`);
      else if (charge.costMicros !== record.reportedCostMicros) problems.push(`${label}: billing recorded ${charge.costMicros}, client was told ${record.reportedCostMicros}`);
    } else {
      failed++;
      const expected = record.reportedCostMicros ?? 0n;
      if (record.reportedCostMicros !== undefined) failedWithReportedCost++;
      if (!hold) continue; // refused before a hold (or before the gateway named it)
      if (hold.resolution === 'pending') problems.push(`${label}: failed (${record.error}), hold still pending`);
      const charge = charges.get(record.requestId!);
      const answeredInFull = record.cut === true && (record.kind === 'json' || record.sawFinish === true) && charge?.outcome === 'succeeded';
      if (expected === 0n && hold.chargedMicros > 0n && answeredInFull && charge.costMicros === hold.chargedMicros && hold.resolution !== 'pending') {
        cutAfterAnswer++;
        cutAfterAnswerMicros += hold.chargedMicros;
      } else if (hold.chargedMicros !== expected) {
        problems.push(`${label}: failed (${record.error}) but the ledger charged ${hold.chargedMicros} (hold ${hold.resolution}, charge row ${charge ? `${charge.outcome} ${charge.costMicros}` : 'none'})`);
      }
    }
  }
  // Holds no client learned the id of (the gateway died before its headers went out): nothing may be charged, with one
  // exception. A JSON answer's completion is acked before the answer is written; a gateway killed between the two
  // leaves its client with a connection broken before any headers, and the whole answer billed once (as for a cut
  // that was named). Allowed only at its full cost (a `succeeded` charge row equal to the hold's charge), and no more
  // often than clients saw such a broken JSON request.
  const named = new Set(records.map((r) => r.requestId).filter((id): id is string => id !== undefined));
  let unnamedJsonBreaks = records.filter((r) => r.result === 'failed' && r.kind === 'json' && r.brokeBeforeHeaders === true && r.requestId === undefined).length;
  for (const hold of holds.values()) {
    if (named.has(hold.holdId)) continue;
    if (hold.resolution === 'pending') problems.push(`hold ${hold.holdId} (no client saw it): still pending`);
    if (hold.chargedMicros === 0n) continue;
    const charge = charges.get(hold.holdId);
    if (unnamedJsonBreaks > 0 && charge?.outcome === 'succeeded' && charge.costMicros === hold.chargedMicros && hold.resolution !== 'pending') {
      unnamedJsonBreaks--;
      cutAfterAnswer++;
      cutAfterAnswerMicros += hold.chargedMicros;
      continue;
    }
    problems.push(`hold ${hold.holdId} (no client saw it): charged ${hold.chargedMicros} (charge row ${charge ? `${charge.outcome} ${charge.costMicros}` : 'none'})`);
  }
  return { problems, succeeded, failed, failedWithReportedCost, cutAfterAnswer, cutAfterAnswerMicros, chargedForSuccessesMicros };
}

/** What the client was told it spent: every success's cost plus any cost a failed stream reported. */
export function reportedSpendMicros(records: RequestRecord[]): bigint {
  return records.reduce((sum, r) => sum + (r.reportedCostMicros ?? 0n), 0n);
}
