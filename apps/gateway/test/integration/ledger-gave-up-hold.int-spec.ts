import { randomUUID } from 'node:crypto';
import { HttpAdapterHost } from '@nestjs/core';
import { LedgerAuditRun, LedgerBalanceGet } from '@switchyard/contracts';
import { HoldCommandsClient, NatsBus, type NatsConnectionOptions } from '@switchyard/nats';
import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, TestCommandClient, uniqueSubjectPrefix, fundedLedgerWorkspace } from '@switchyard/testing';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { GatewayEnv } from '../../src/config/gateway.env';
import { GatewayMetrics } from '../../src/metering/gateway.metrics';
import { LedgerClient } from '../../src/metering/ledger.client';

// A hold the gateway gave up on (no reply in time) is released in the background, and a create that reaches the
// ledger after that release can never leave money held: real ledger processes, one of them paused with SIGSTOP.
describe('gateway LedgerClient: holds given up on are released', () => {
  const prefix = uniqueSubjectPrefix();
  const connection: NatsConnectionOptions = { serviceName: 'gateway', url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: prefix, requestTimeoutMs: 2_000 };
  let db: TestDatabase;
  let ledgerA: ServiceProcess;
  let ledgerB: ServiceProcess | undefined;
  let commands: TestCommandClient;
  let holdCommands: HoldCommandsClient;
  let client: LedgerClient;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('gavehold');
    ledgerA = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });
    commands = await TestCommandClient.connect(prefix);
    holdCommands = new HoldCommandsClient(connection);
    // only the two settings LedgerClient reads; the rest of the gateway env is irrelevant here
    const env = { LEDGER_TIMEOUT_MS: 300, HOLD_TIMEOUT_MS: 600_000 } as GatewayEnv;
    client = new LedgerClient(new NatsBus(connection), holdCommands, env, new GatewayMetrics(new Registry(), { holdMaxAgeMs: 600_000 }, new HttpAdapterHost()));
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    ledgerA?.process.kill('SIGCONT');
    await holdCommands?.close();
    await pg?.end();
    await commands?.close();
    await ledgerB?.stop();
    await ledgerA?.stop();
    await db?.drop();
  });

  const fundedWorkspace = (amountMicros: bigint) => fundedLedgerWorkspace(commands, amountMicros);

  const place = (workspaceId: string, holdId: string) => client.placeHold({ holdId, workspaceId, amountMicros: 10_000n, minAmountMicros: 10_000n, metadata: {} });
  const transfersOf = async (holdId: string) =>
    (await pg.query<{ kind: string }>("SELECT kind FROM ledger.transfers WHERE journal_key = 'hold:' || $1 ORDER BY id", [holdId])).rows.map((r) => r.kind);
  const tombstoned = async (holdId: string) => (await pg.query('SELECT 1 FROM ledger.hold_tombstones WHERE hold_id = $1', [holdId])).rowCount === 1;

  async function expectNothingHeld(workspaceId: string, fundedMicros: string): Promise<void> {
    expect(await commands.request(LedgerBalanceGet, { workspaceId })).toMatchObject({ pendingMicros: '0', availableMicros: fundedMicros });
    expect(await commands.request(LedgerAuditRun, {}, 15_000)).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [], holdsResolvedMoreThanOnce: 0 });
  }

  it('the only ledger is paused: placeHold fails with 503, and once the ledger resumes the late hold is voided', async () => {
    const workspaceId = await fundedWorkspace(100_000n);
    await place(workspaceId, `warm-${randomUUID()}`).then((hold) => client.releaseHold(hold.holdId, 'warm up'));
    const holdId = `paused-${randomUUID()}`;
    ledgerA.process.kill('SIGSTOP');
    try {
      await expect(place(workspaceId, holdId)).rejects.toMatchObject({ code: 'service_unavailable' });
      await new Promise((resolve) => setTimeout(resolve, 600));
    } finally {
      ledgerA.process.kill('SIGCONT');
    }
    // the create waited in the paused ledger ahead of the releases: it commits, then a release voids it
    await client.releaseAbandoned(holdId);
    expect(await transfersOf(holdId)).toEqual(['pending', 'void']);
    await expectNothingHeld(workspaceId, '100000');
  });

  it('a stalled replica commits its create after another replica answered the release: the create is refused', async () => {
    ledgerB = await startServiceProcess('ledger', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix });
    const workspaceId = await fundedWorkspace(1_000_000n);
    ledgerA.process.kill('SIGSTOP');
    let holdId: string | undefined;
    try {
      // the queue group picks a replica per message; retry until a create lands on the paused one
      for (let attempt = 0; attempt < 30 && !holdId; attempt++) {
        const candidate = `stalled-${randomUUID()}`;
        try {
          const hold = await place(workspaceId, candidate);
          await client.releaseHold(hold.holdId, 'not the one');
        } catch (error) {
          expect(error).toMatchObject({ code: 'service_unavailable' });
          holdId = candidate;
        }
      }
      expect(holdId).toBeDefined();
      // the background release reaches the running replica (each attempt has even odds) while the create is stuck
      await client.releaseAbandoned(holdId!);
    } finally {
      ledgerA.process.kill('SIGCONT');
    }
    // let the resumed replica work through what it was sent
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    if (await tombstoned(holdId!)) expect(await transfersOf(holdId!)).toEqual([]);
    else expect(await transfersOf(holdId!)).toEqual(['pending', 'void']); // every release went to the paused replica, behind the create
    await expectNothingHeld(workspaceId, '1000000');
  });
});
