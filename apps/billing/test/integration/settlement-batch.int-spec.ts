import { type ServiceProcess, startServiceProcess, type TestCommandClient, type TestDatabase, uniqueSubjectPrefix } from '@switchyard/testing';
import type { Client } from 'pg';
import { completedEvent } from './support/completed-event';
import { startBillingStack, stopBillingStack } from './support/billing-stack';
import type { JetStreamPublisher } from './support/jetstream-publisher';
import { LedgerWorkspaces } from './support/ledger-workspaces';

// Billing settles concurrent gateway.request.completed events in batches (one transaction each) against the real
// ledger on real NATS/JetStream/Postgres. Billing is stopped while a case publishes, so the events wait in the
// stream as a backlog and are pulled together when it starts again: batches form without depending on timing.
describe('billing settles completed requests in batches', () => {
  const prefix = uniqueSubjectPrefix();
  const fundedMicros = 10_000_000n;
  const holdMicros = 100_000n;
  // 1000 prompt × 0.15 + 500 output × 0.6 at the demo price
  const costMicros = 450n;
  const durable = 'billing-request-completed';
  const deadLetterSubject = 'deadletter.gateway.request.completed';
  let db: TestDatabase;
  let env: Record<string, string>;
  let ledger: ServiceProcess;
  let billing: ServiceProcess;
  let client: TestCommandClient;
  let publisher: JetStreamPublisher;
  let pg: Client;
  let workspaces: LedgerWorkspaces;

  type Event = ReturnType<typeof completedEvent>;
  const publishAll = async (events: Array<{ event: Event; messageId?: string }>) => {
    const acks = await Promise.all(events.map(({ event, messageId }) => publisher.publish('gateway.request.completed', event, messageId ?? `request-completed:${event.requestId}`)));
    return Math.max(...acks.map((ack) => ack.seq));
  };
  /** Publishes while billing is down, then starts it on the backlog and waits until all of it is acked. */
  const settleAsBacklog = async (events: Array<{ event: Event; messageId?: string }>) => {
    await billing.stop();
    const lastSeq = await publishAll(events);
    billing = await startServiceProcess('billing', env);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', durable, lastSeq, 60_000);
  };
  /** Counters of the billing process (they start at zero with it). */
  const metrics = async () => {
    const text = await (await fetch(`${billing.url}/metrics`)).text();
    const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    return {
      batches: read(/^billing_settlement_batch_events_count\{service="billing"\} (\S+)$/m),
      batchedEvents: read(/^billing_settlement_batch_events_sum\{service="billing"\} (\S+)$/m),
      captured: read(/^billing_charges_total\{settlement="captured",service="billing"\} (\S+)$/m),
    };
  };
  const chargeCounts = async (requestIds: string[]) => {
    const { rows } = await pg.query<{ charges: string; distinct_requests: string; logs: string }>(
      `SELECT (SELECT count(*) FROM billing.charges WHERE request_id = ANY($1)) AS charges,
              (SELECT count(DISTINCT request_id) FROM billing.charges WHERE request_id = ANY($1)) AS distinct_requests,
              (SELECT count(*) FROM billing.request_logs WHERE request_id = ANY($1)) AS logs`,
      [requestIds],
    );
    return { charges: Number(rows[0]!.charges), distinctRequests: Number(rows[0]!.distinct_requests), logs: Number(rows[0]!.logs) };
  };
  /** Ledger transfers on the workspace's credit account that carry this request id (a capture books exactly one). */
  const ledgerEntriesFor = async (workspaceId: string, requestId: string) => (await workspaces.statement(workspaceId)).filter((t) => t.metadata['requestId'] === requestId).length;
  const deadLetters = () => publisher.countOnSubject('DEAD_LETTERS', deadLetterSubject);

  beforeAll(async () => {
    ({ db, env, ledger, billing, client, publisher, pg } = await startBillingStack('billingbatch', prefix));
    workspaces = new LedgerWorkspaces(client, () => ledger.url);
  });

  afterAll(() => stopBillingStack({ db, ledger, billing, client, publisher, pg }));

  it('settles 200 events across 5 workspaces exactly once, in far fewer transactions than events', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => workspaces.funded(fundedMicros)));
    const events = (
      await Promise.all(ids.flatMap((workspaceId) => Array.from({ length: 40 }, async () => completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) }))))
    ).map((event) => ({ event }));

    await settleAsBacklog(events);

    const requestIds = events.map(({ event }) => event.requestId);
    expect(await chargeCounts(requestIds)).toEqual({ charges: 200, distinctRequests: 200, logs: 200 });
    const { batches, batchedEvents, captured } = await metrics();
    expect(batchedEvents).toBe(200);
    expect(captured).toBe(200);
    // One transaction per batch, batches of up to 100: one per event would be 200.
    expect(batches).toBeLessThanOrEqual(20);
    for (const workspaceId of ids) {
      expect(await workspaces.balance(workspaceId)).toEqual({ posted: fundedMicros - 40n * costMicros, pending: 0n, available: fundedMicros - 40n * costMicros });
    }
    for (const { event } of events.slice(0, 10)) expect(await ledgerEntriesFor(event.workspaceId, event.requestId)).toBe(1);
    expect(await workspaces.audit()).toMatchObject({ balanced: true, mismatchedAccounts: [] });
  });

  it('settles a backlog of messages carrying a few completions each in full batches', async () => {
    // What the gateway publishes under load: completions that end in the same loop turn share a message.
    const funded = 4n * fundedMicros; // 300 holds of holdMicros
    const workspaceId = await workspaces.funded(funded);
    const events = await Promise.all(Array.from({ length: 300 }, async () => completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) })));
    const messages = Array.from({ length: 60 }, (_, n) => events.slice(n * 5, n * 5 + 5));
    await billing.stop();
    const acks = await Promise.all(messages.map((group, n) => publisher.publish('gateway.requests.completed', { events: group }, `requests-completed:${prefix}:${n}`)));
    billing = await startServiceProcess('billing', env);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', 'billing-requests-completed', Math.max(...acks.map((ack) => ack.seq)), 60_000);

    expect(await chargeCounts(events.map((event) => event.requestId))).toEqual({ charges: 300, distinctRequests: 300, logs: 300 });
    // The counters start at zero with the billing process.
    const { batches, batchedEvents } = await metrics();
    expect(batchedEvents).toBe(300);
    // Batches of up to 100: three or four when enough messages are in flight to fill them; with four messages at a
    // time (twenty events) it took fifteen, each waiting out its linger.
    expect(batches).toBeLessThanOrEqual(6);
    expect(await workspaces.balance(workspaceId)).toEqual({ posted: funded - 300n * costMicros, pending: 0n, available: funded - 300n * costMicros });
  });

  it('dead-letters only the unpriced event of a batch and charges the others', async () => {
    const workspaceId = await workspaces.funded(fundedMicros);
    const events = await Promise.all(
      Array.from({ length: 10 }, async (_, i) =>
        completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros), ...(i === 4 ? { modelId: 'demo/unpriced', providerId: 'demo' } : {}) }),
      ),
    );
    const unpriced = events[4]!;
    const deadLettersBefore = await deadLetters();

    await settleAsBacklog(events.map((event) => ({ event })));

    expect(await deadLetters()).toBe(deadLettersBefore + 1);
    expect(await chargeCounts([unpriced.requestId])).toEqual({ charges: 0, distinctRequests: 0, logs: 0 });
    expect(await chargeCounts(events.filter((e) => e !== unpriced).map((e) => e.requestId))).toEqual({ charges: 9, distinctRequests: 9, logs: 9 });
    // the unpriced request's hold stays pending (visible, not billed $0)
    expect(await workspaces.balance(workspaceId)).toEqual({ posted: fundedMicros - 9n * costMicros, pending: holdMicros, available: fundedMicros - 9n * costMicros - holdMicros });
    const { batches, batchedEvents } = await metrics();
    expect(batchedEvents).toBe(10);
    expect(batches).toBeLessThan(10);
  });

  it('charges a redelivered, already settled event nothing more, and a request twice in one batch once', async () => {
    const workspaceId = await workspaces.funded(fundedMicros);
    const settled = completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) });
    const lastSeq = await publishAll([{ event: settled }]);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', durable, lastSeq);
    expect(await ledgerEntriesFor(workspaceId, settled.requestId)).toBe(1);

    const twice = completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) });
    const fresh = await Promise.all(Array.from({ length: 3 }, async () => completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) })));
    await settleAsBacklog([
      { event: settled, messageId: `again:${settled.requestId}` },
      { event: twice, messageId: `first:${twice.requestId}` },
      { event: twice, messageId: `second:${twice.requestId}` },
      ...fresh.map((event) => ({ event })),
    ]);

    const all = [settled, twice, ...fresh];
    expect(await chargeCounts(all.map((e) => e.requestId))).toEqual({ charges: 5, distinctRequests: 5, logs: 5 });
    expect(await workspaces.balance(workspaceId)).toEqual({ posted: fundedMicros - 5n * costMicros, pending: 0n, available: fundedMicros - 5n * costMicros });
    for (const event of all) expect(await ledgerEntriesFor(workspaceId, event.requestId)).toBe(1);
    // counted once per charge written: `twice` and the 3 fresh ones, not the redelivery nor the second copy
    expect(await metrics()).toMatchObject({ batchedEvents: 6, captured: 4 });
    expect(await workspaces.audit()).toMatchObject({ balanced: true, mismatchedAccounts: [] });
  });

  it('retries a batch while the ledger is down and charges each event once after it is back, without dead-lettering', async () => {
    const workspaceId = await workspaces.funded(fundedMicros);
    const events = await Promise.all(Array.from({ length: 10 }, async () => completedEvent({ workspaceId, holdId: await workspaces.hold(workspaceId, holdMicros) })));
    const deadLettersBefore = await deadLetters();

    await ledger.stop();
    const lastSeq = await publishAll(events.map((event) => ({ event })));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await chargeCounts(events.map((e) => e.requestId))).toEqual({ charges: 0, distinctRequests: 0, logs: 0 });

    ledger = await startServiceProcess('ledger', env);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', durable, lastSeq, 60_000);
    expect(await chargeCounts(events.map((e) => e.requestId))).toEqual({ charges: 10, distinctRequests: 10, logs: 10 });
    expect(await workspaces.balance(workspaceId)).toEqual({ posted: fundedMicros - 10n * costMicros, pending: 0n, available: fundedMicros - 10n * costMicros });
    for (const event of events) expect(await ledgerEntriesFor(workspaceId, event.requestId)).toBe(1);
    expect(await deadLetters()).toBe(deadLettersBefore);
    expect(await workspaces.audit()).toMatchObject({ balanced: true, mismatchedAccounts: [] });
  });
});
