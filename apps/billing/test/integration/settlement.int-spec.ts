import { randomUUID } from 'node:crypto';
import { LedgerBalanceGet, LedgerHoldCreate, workspaceCreditAccount } from '@switchyard/contracts';
import { fundedLedgerWorkspace, type ServiceProcess, startServiceProcess, type TestCommandClient, type TestDatabase, uniqueSubjectPrefix } from '@switchyard/testing';
import type { Client } from 'pg';
import type { UsageReport } from '../../src/usage/usage.query';
import { completedEvent } from './support/completed-event';
import { startBillingStack, stopBillingStack } from './support/billing-stack';
import type { JetStreamPublisher } from './support/jetstream-publisher';

// Billing settles gateway.request.completed against the real ledger process on real NATS/JetStream/Postgres:
// the money actually moves, and everything is checked where a user sees it (ledger balances and statement,
// billing.charges, /usage, /metrics, the dead-letter stream). One stack for the file; one workspace per case.
describe('billing settles gateway.request.completed against the ledger', () => {
  const prefix = uniqueSubjectPrefix();
  const fundedMicros = 10_000_000n;
  const holdMicros = 100_000n;
  const deadLetterSubject = 'deadletter.gateway.request.completed';
  let db: TestDatabase;
  let env: Record<string, string>;
  let ledger: ServiceProcess;
  let billing: ServiceProcess;
  let client: TestCommandClient;
  let publisher: JetStreamPublisher;
  let pg: Client;

  const fundedWorkspace = () => fundedLedgerWorkspace(client, fundedMicros);
  const balance = async (workspaceId: string) => {
    const reply = await client.request(LedgerBalanceGet, { workspaceId });
    return { posted: BigInt(reply.postedMicros), pending: BigInt(reply.pendingMicros), available: BigInt(reply.availableMicros) };
  };
  const hold = async (workspaceId: string, amountMicros = holdMicros) => {
    const holdId = `hold_${randomUUID()}`;
    await client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: amountMicros.toString(), timeoutMs: 600_000, metadata: {} });
    return holdId;
  };
  const publish = async (event: ReturnType<typeof completedEvent>, messageId = `request-completed:${event.requestId}`, timeoutMs?: number) => {
    const { seq } = await publisher.publish('gateway.request.completed', event, messageId);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', 'billing-request-completed', seq, timeoutMs);
  };
  const chargeRows = async (requestId: string) =>
    (await pg.query('SELECT settlement, cost_micros::text AS cost_micros, ledger_status, prompt_tokens, completion_tokens, web_search_requests FROM billing.charges WHERE request_id = $1', [requestId])).rows;
  const deadLetters = () => publisher.countOnSubject('DEAD_LETTERS', deadLetterSubject);
  const statement = async (workspaceId: string) => {
    const response = await fetch(`${ledger.url}/accounts/${encodeURIComponent(workspaceCreditAccount(workspaceId))}/transfers?limit=50`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { transfers: Array<{ amountMicros: string; metadata: Record<string, unknown> }> }).transfers;
  };
  const counters = async () => {
    const text = await (await fetch(`${billing.url}/metrics`)).text();
    const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    return {
      captured: read(/^billing_charges_total\{settlement="captured",service="billing"\} (\S+)$/m),
      released: read(/^billing_charges_total\{settlement="released",service="billing"\} (\S+)$/m),
      costMicros: read(/^billing_cost_micros_total\{service="billing"\} (\S+)$/m),
    };
  };

  beforeAll(async () => {
    ({ db, env, ledger, billing, client, publisher, pg } = await startBillingStack('billingsettle', prefix));
  });

  afterAll(() => stopBillingStack({ db, ledger, billing, client, publisher, pg }));

  it('captures exactly the quoted cost, releases the rest of the hold and records the charge', async () => {
    const workspaceId = await fundedWorkspace();
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: 0n, available: fundedMicros });
    const holdId = await hold(workspaceId);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: holdMicros, available: fundedMicros - holdMicros });

    const event = completedEvent({ workspaceId, holdId });
    await publish(event);
    // 1000 prompt × 0.15 + 500 output × 0.6 = 450 micros at the demo price; the other 99 550 held micros come back
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros - 450n, pending: 0n, available: fundedMicros - 450n });
    expect(await chargeRows(event.requestId)).toEqual([{ settlement: 'captured', cost_micros: '450', ledger_status: 'posted', prompt_tokens: 1000, completion_tokens: 500, web_search_requests: 0 }]);
    // The capture carries the request's identity into the ledger's journal.
    expect(await statement(workspaceId)).toContainEqual(
      expect.objectContaining({ amountMicros: '450', metadata: expect.objectContaining({ requestId: event.requestId, modelId: 'demo/echo' }) }),
    );
  });

  it('charges nothing more when the same request is published again under another Nats-Msg-Id', async () => {
    const workspaceId = await fundedWorkspace();
    const event = completedEvent({ workspaceId, holdId: await hold(workspaceId) });
    await publish(event, `first:${event.requestId}`);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros - 450n, pending: 0n, available: fundedMicros - 450n });

    await publish(event, `second:${event.requestId}`);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros - 450n, pending: 0n, available: fundedMicros - 450n });
    expect(await chargeRows(event.requestId)).toHaveLength(1);
  });

  it('releases the whole hold of a request that failed before any output', async () => {
    const workspaceId = await fundedWorkspace();
    const holdId = await hold(workspaceId);
    expect((await balance(workspaceId)).available).toBe(fundedMicros - holdMicros);

    const event = completedEvent({ workspaceId, holdId, outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 800, completionTokens: 0 } });
    await publish(event);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: 0n, available: fundedMicros });
    expect(await chargeRows(event.requestId)).toEqual([expect.objectContaining({ settlement: 'released', cost_micros: '0', ledger_status: 'voided' })]);
  });

  it('releases the whole hold of an empty exchange (no tokens either way)', async () => {
    const workspaceId = await fundedWorkspace();
    const event = completedEvent({ workspaceId, holdId: await hold(workspaceId), usage: { promptTokens: 0, completionTokens: 0 } });
    await publish(event);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: 0n, available: fundedMicros });
    expect(await chargeRows(event.requestId)).toEqual([expect.objectContaining({ settlement: 'released', cost_micros: '0', ledger_status: 'voided' })]);
  });

  it('does not bill an empty completion (the prompt was sent, nothing came back)', async () => {
    const workspaceId = await fundedWorkspace();
    const event = completedEvent({ workspaceId, holdId: await hold(workspaceId), outcome: 'succeeded', usage: { promptTokens: 800, completionTokens: 0 } });
    await publish(event);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: 0n, available: fundedMicros });
    expect(await chargeRows(event.requestId)).toEqual([expect.objectContaining({ settlement: 'released', cost_micros: '0', ledger_status: 'voided' })]);
  });

  it('adds the web-search fee (5000 micros per request) to the captured amount', async () => {
    const workspaceId = await fundedWorkspace();
    const event = completedEvent({ workspaceId, holdId: await hold(workspaceId), webSearchRequests: 2 });
    await publish(event);
    // 450 for the tokens + 2 × 5000
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros - 10_450n, pending: 0n, available: fundedMicros - 10_450n });
    expect(await chargeRows(event.requestId)).toEqual([expect.objectContaining({ settlement: 'captured', cost_micros: '10450', web_search_requests: 2 })]);
  });

  it('retries while the ledger is down and captures exactly once after it is back, without dead-lettering', async () => {
    const workspaceId = await fundedWorkspace();
    const holdId = await hold(workspaceId);
    const deadLettersBefore = await deadLetters();
    const event = completedEvent({ workspaceId, holdId, outcome: 'client_aborted', usage: { promptTokens: 2_000, completionTokens: 10 } });

    await ledger.stop();
    const { seq } = await publisher.publish('gateway.request.completed', event, `request-completed:${event.requestId}`);
    await new Promise((r) => setTimeout(r, 2_000));
    // Nothing could be settled while the ledger was away.
    expect(await chargeRows(event.requestId)).toEqual([]);

    ledger = await startServiceProcess('ledger', env);
    await publisher.waitForAckFloor('GATEWAY_EVENTS', 'billing-request-completed', seq, 60_000);
    // 2000 × 0.15 + 10 × 0.6 = 306 micros, once
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros - 306n, pending: 0n, available: fundedMicros - 306n });
    expect(await chargeRows(event.requestId)).toEqual([expect.objectContaining({ settlement: 'captured', cost_micros: '306', ledger_status: 'posted' })]);
    expect(await deadLetters()).toBe(deadLettersBefore);
  });

  it('dead-letters a served model without a price instead of billing $0, leaving the hold pending', async () => {
    const workspaceId = await fundedWorkspace();
    const holdId = await hold(workspaceId);
    const deadLettersBefore = await deadLetters();
    const event = completedEvent({ workspaceId, holdId, modelId: 'demo/unpriced', providerId: 'demo' });
    await publish(event);
    expect(await deadLetters()).toBe(deadLettersBefore + 1);
    expect(await chargeRows(event.requestId)).toEqual([]);
    expect(await balance(workspaceId)).toEqual({ posted: fundedMicros, pending: holdMicros, available: fundedMicros - holdMicros });
  });

  it('reports usage per day and per model, money as a string', async () => {
    const workspaceId = await fundedWorkspace();
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId) }));
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), webSearchRequests: 2 }));
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 800, completionTokens: 0 } }));

    const response = await fetch(`${billing.url}/usage?workspaceId=${workspaceId}&days=7`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as UsageReport;
    // captured: 450 + 10450; the release costs 0 but is a request
    const today = new Date().toISOString().slice(0, 10);
    const totals = { requests: 3, costMicros: '10900', promptTokens: 2_800, completionTokens: 1_000, webSearchRequests: 2 };
    expect(body).toMatchObject({ workspaceId, days: 7, totals });
    expect(body.byDay).toEqual([expect.objectContaining({ day: today, ...totals })]);
    expect(body.byModel).toEqual([expect.objectContaining({ modelId: 'demo/echo', providerId: 'demo', ...totals })]);
    expect(await balance(workspaceId)).toMatchObject({ posted: fundedMicros - 10_900n, pending: 0n });

    const other = await (await fetch(`${billing.url}/usage?workspaceId=${randomUUID()}`)).json();
    expect(other).toMatchObject({ days: 30, totals: { requests: 0, costMicros: '0' }, byDay: [], byModel: [] });
    expect((await fetch(`${billing.url}/usage?workspaceId=not-a-uuid`)).status).toBe(400);
    expect((await fetch(`${billing.url}/usage?workspaceId=${workspaceId}&days=0`)).status).toBe(400);
  });

  it('reports per-day series by model and by key: the top 8 of the window, the rest as one `other` row per day', async () => {
    const workspaceId = randomUUID();
    // Charges written straight into the table: 10 models / keys today (m0 cheapest … m9 dearest), m9 and m0 yesterday too.
    const charge = (i: number, costMicros: number, dayOffset: number) =>
      pg.query(
        `INSERT INTO billing.charges (request_id, hold_id, workspace_id, api_key_id, model_id, provider_id, outcome, prompt_tokens, completion_tokens,
           cached_prompt_tokens, cache_write_tokens, reasoning_tokens, web_search_requests, cost_micros, settlement, ledger_status, completed_at)
         VALUES ($1, $1, $2, $3, $4, 'demo', 'succeeded', $5, $6, 0, 0, 0, 0, $7, 'captured', 'posted',
           (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') - make_interval(days => $8) + interval '1 minute')`,
        [`req-${randomUUID()}`, workspaceId, `key-${i}`, `demo/m${i}`, 10 * i + 1, i, costMicros, dayOffset],
      );
    for (let i = 0; i < 10; i++) await charge(i, (i + 1) * 1_000, 0);
    await charge(9, 500, 1);
    await charge(0, 100, 1);

    const body = (await (await fetch(`${billing.url}/usage?workspaceId=${workspaceId}&days=7`)).json()) as UsageReport;
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)).toISOString().slice(0, 10);
    const row = (day: string, requests: number, promptTokens: number, completionTokens: number, costMicros: number, other = false) => ({
      day,
      other,
      requests,
      promptTokens,
      completionTokens,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      webSearchRequests: 0,
      costMicros: String(costMicros),
    });
    const top = [9, 8, 7, 6, 5, 4, 3, 2];
    const expected = (name: (i: number | null) => Record<string, string | null>) => [
      { ...row(yesterday, 1, 91, 9, 500), ...name(9) },
      { ...row(yesterday, 1, 1, 0, 100, true), ...name(null) },
      ...top.map((i) => ({ ...row(today, 1, 10 * i + 1, i, (i + 1) * 1_000), ...name(i) })),
      // m1 (2000) and m0 (1000) today
      { ...row(today, 2, 11 + 1, 1, 3_000, true), ...name(null) },
    ];
    expect(body.byDayModel).toEqual(expected((i) => ({ modelId: i === null ? null : `demo/m${i}` })));
    expect(body.byDayKey).toEqual(expected((i) => ({ apiKeyId: i === null ? null : `key-${i}` })));
    // The series add up to the per-day totals.
    expect(body.byDay.map((d) => [d.day, d.costMicros])).toEqual([
      [yesterday, '600'],
      [today, '55000'],
    ]);
  });

  it('serves /healthz, /readyz (postgres, nats) and counts each charge once on /metrics', async () => {
    expect((await fetch(`${billing.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${billing.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });

    const workspaceId = await fundedWorkspace();
    const before = await counters();
    const captured = completedEvent({ workspaceId, holdId: await hold(workspaceId), webSearchRequests: 1 });
    await publish(captured);
    await publish(captured, `again:${captured.requestId}`);
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 800, completionTokens: 0 } }));
    await publish(completedEvent({ workspaceId, holdId: await hold(workspaceId), modelId: 'demo/unpriced', providerId: 'demo' }));

    // one capture of 450 + 5000 (the redelivery and the dead-lettered event count nothing), one release
    expect(await counters()).toEqual({ captured: before.captured + 1, released: before.released + 1, costMicros: before.costMicros + 5_450 });
    const metrics = await (await fetch(`${billing.url}/metrics`)).text();
    expect(metrics).toMatch(/billing_charges_total\{settlement="captured",service="billing"\} \d+/);
    expect(metrics).toMatch(/billing_charges_total\{settlement="released",service="billing"\} \d+/);
    expect(metrics).toMatch(/billing_cost_micros_total\{service="billing"\} \d+/);
  });
});
