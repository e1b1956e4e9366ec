import { randomUUID } from 'node:crypto';
import { BillingGenerationGet, BillingLogsQuery, BillingUsageQuery, LedgerHoldCreate } from '@switchyard/contracts';
import { fundedLedgerWorkspace, type ServiceProcess, type TestCommandClient, type TestDatabase, uniqueSubjectPrefix } from '@switchyard/testing';
import type { Client } from 'pg';
import { completedEvent } from './support/completed-event';
import { startBillingStack, stopBillingStack } from './support/billing-stack';
import type { JetStreamPublisher } from './support/jetstream-publisher';

// The request log and billing's read side over NATS, against the real ledger and billing processes: each
// completed event leaves exactly one charge and one log row, written together, and the queries answer from them.
describe('billing request log and its NATS queries', () => {
  const prefix = uniqueSubjectPrefix();
  let db: TestDatabase;
  let ledger: ServiceProcess;
  let billing: ServiceProcess;
  let client: TestCommandClient;
  let publisher: JetStreamPublisher;
  let pg: Client;

  const fundedWorkspace = () => fundedLedgerWorkspace(client, 10_000_000n);
  const hold = async (workspaceId: string) => {
    const holdId = `gen-${randomUUID()}`;
    await client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: '100000', timeoutMs: 600_000, metadata: {} });
    return holdId;
  };
  const publish = async (event: ReturnType<typeof completedEvent>, messageId = `request-completed:${event.requestId}`) => {
    const { seq } = await publisher.publish('gateway.request.completed', event, messageId);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', 'billing-request-completed', seq);
  };
  const rows = async (requestId: string) => ({
    charges: Number((await pg.query('SELECT count(*) FROM billing.charges WHERE request_id = $1', [requestId])).rows[0].count),
    logs: Number((await pg.query('SELECT count(*) FROM billing.request_logs WHERE request_id = $1', [requestId])).rows[0].count),
  });

  beforeAll(async () => {
    ({ db, ledger, billing, client, publisher, pg } = await startBillingStack('billingreqlog', prefix));
  });

  afterAll(() => stopBillingStack({ db, ledger, billing, client, publisher, pg }));

  it('writes one log row with its charge, and none more on redelivery', async () => {
    const workspaceId = await fundedWorkspace();
    const holdId = await hold(workspaceId);
    const event = completedEvent({
      workspaceId,
      holdId,
      requestId: holdId,
      requestedModel: 'openai/gpt-4o-mini',
      attempts: [
        { providerId: 'openai', modelId: 'openai/gpt-4o-mini', outcome: 'failed', httpStatus: 503, errorCode: 'upstream_unavailable', latencyMs: 20 },
        { providerId: 'demo', modelId: 'demo/echo', outcome: 'succeeded', latencyMs: 80, ttftMs: 30 },
      ],
      endUserId: 'carol',
      appTitle: 'Reports',
      appReferer: 'https://reports.example',
      strategy: 'fastest',
      usage: { promptTokens: 1_000, completionTokens: 500, reasoningTokens: 100 },
    });
    await publish(event);
    await publish(event, `again:${event.requestId}`);
    expect(await rows(event.requestId)).toEqual({ charges: 1, logs: 1 });

    const generation = await client.request(BillingGenerationGet, { workspaceId, requestId: event.requestId });
    expect(generation).toMatchObject({
      requestId: event.requestId,
      requestedModel: 'openai/gpt-4o-mini',
      modelId: 'demo/echo',
      providerId: 'demo',
      promptTokens: 1_000,
      completionTokens: 500,
      reasoningTokens: 100,
      // 1000 × 0.15 + 500 × 0.6 (reasoning is part of the completion, at the output price for demo) = 150 + 300
      costMicros: 450n,
      settlement: 'captured',
      endUserId: 'carol',
      appTitle: 'Reports',
      appReferer: 'https://reports.example',
      strategy: 'fastest',
      latencyMs: 120,
      ttftMs: 40,
    });
    expect(generation.attempts).toEqual(event.attempts);
  });

  it('logs a released request at cost 0 and keeps other workspaces out', async () => {
    const workspaceId = await fundedWorkspace();
    const event = completedEvent({ workspaceId, holdId: await hold(workspaceId), outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 800, completionTokens: 0 } });
    await publish(event);
    expect(await client.request(BillingGenerationGet, { workspaceId, requestId: event.requestId })).toMatchObject({ outcome: 'failed', errorCode: 'upstream_error', costMicros: 0n, settlement: 'released' });
    await expect(client.request(BillingGenerationGet, { workspaceId: randomUUID(), requestId: event.requestId })).rejects.toMatchObject({ code: 'not_found' });
    expect(await client.request(BillingLogsQuery, { workspaceId: randomUUID() })).toEqual({ entries: [], nextCursor: null });
  });

  it('pages the log newest first with a cursor that survives equal timestamps', async () => {
    const workspaceId = await fundedWorkspace();
    const completedAt = new Date().toISOString();
    const events = [];
    for (let i = 0; i < 5; i++) {
      // Same completion instant for all of them: the request id breaks the tie.
      const event = completedEvent({ workspaceId, holdId: await hold(workspaceId), completedAt, startedAt: completedAt });
      await publish(event);
      events.push(event);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const reply = await client.request(BillingLogsQuery, { workspaceId, limit: 2, cursor });
      seen.push(...reply.entries.map((entry) => entry.requestId));
      if (!reply.nextCursor) break;
      cursor = reply.nextCursor;
    }
    expect(seen).toEqual(events.map((event) => event.requestId).sort().reverse());
    await expect(client.request(BillingLogsQuery, { workspaceId, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('answers usage with every breakdown, counting each completed request once', async () => {
    const workspaceId = await fundedWorkspace();
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), apiKeyId: 'k1', endUserId: 'dave', appTitle: 'A' }));
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), apiKeyId: 'k2', appTitle: 'A' }));
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), apiKeyId: 'k2', outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 10, completionTokens: 0 } }));
    const report = await client.request(BillingUsageQuery, { workspaceId, days: 1 });
    expect(report.totals).toMatchObject({ requests: 3, promptTokens: 2_010, completionTokens: 1_000, costMicros: 900n });
    // Same cost: more requests first.
    expect(report.byKey).toEqual([expect.objectContaining({ apiKeyId: 'k2', requests: 2, costMicros: 450n }), expect.objectContaining({ apiKeyId: 'k1', requests: 1, costMicros: 450n })]);
    expect(report.byEndUser).toEqual([expect.objectContaining({ endUserId: null, requests: 2 }), expect.objectContaining({ endUserId: 'dave', requests: 1 })]);
    expect(report.byApp).toEqual([expect.objectContaining({ appTitle: 'A', appReferer: null, requests: 2, costMicros: 900n }), expect.objectContaining({ appTitle: null, requests: 1, costMicros: 0n })]);
    expect(report.truncated).toBe(false);
  });
});
