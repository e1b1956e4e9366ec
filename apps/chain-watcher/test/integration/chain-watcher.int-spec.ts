import { createTestDatabase, type ServiceProcess, startServiceProcess, type TestDatabase, uniqueSubjectPrefix } from '@switchyard/testing';
import { Client } from 'pg';
import { FakeJsonRpc } from './support/fake-json-rpc';

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('chain-watcher', () => {
  let db: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('chain');
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  describe('without a chain configured', () => {
    let watcher: ServiceProcess;

    beforeAll(async () => {
      watcher = await startServiceProcess('chain-watcher', { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(), CHAIN_RPC_URL: '' });
      pg = new Client({ connectionString: db.url });
      await pg.connect();
    });

    afterAll(async () => {
      await watcher?.stop();
    });

    it('serves /healthz and a /readyz of postgres and nats only', async () => {
      expect((await fetch(`${watcher.url}/healthz`)).status).toBe(200);
      const ready = (await (await fetch(`${watcher.url}/readyz`)).json()) as { status: string; checks: Record<string, string> };
      expect(ready).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
    });

    it('migrated the chain schema: cursors, deposit addresses, deposits, credits and the outbox', async () => {
      const tables = await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'chain' ORDER BY table_name`);
      expect(tables.rows.map((r) => r.table_name)).toEqual(['deposit_addresses', 'deposit_credits', 'deposits', 'follower_cursors', 'migrations', 'outbox']);
      const workspace = '2b7c8f0e-6a4d-4b8e-9d1f-3c5a7e9b1d2f';
      await pg.query(`INSERT INTO chain.deposit_addresses (workspace_id, address, derivation_index) VALUES ($1, $2, 0)`, [workspace, `0x${'a'.repeat(40)}`]);
      // One address per workspace, an address and a derivation index never reused, addresses stored lowercase.
      await expect(pg.query(`INSERT INTO chain.deposit_addresses (workspace_id, address, derivation_index) VALUES (gen_random_uuid(), $1, 1)`, [`0x${'a'.repeat(40)}`])).rejects.toThrow(/unique/);
      await expect(pg.query(`INSERT INTO chain.deposit_addresses (workspace_id, address, derivation_index) VALUES (gen_random_uuid(), $1, 0)`, [`0x${'b'.repeat(40)}`])).rejects.toThrow(/unique/);
      await expect(pg.query(`INSERT INTO chain.deposit_addresses (workspace_id, address, derivation_index) VALUES (gen_random_uuid(), $1, 2)`, [`0x${'C'.repeat(40)}`])).rejects.toThrow(/check/);
      await pg.query(`DELETE FROM chain.deposit_addresses`);
    });

    it('follows nothing and exposes no head', async () => {
      expect((await pg.query(`SELECT * FROM chain.follower_cursors`)).rowCount).toBe(0);
      expect(await (await fetch(`${watcher.url}/metrics`)).text()).not.toMatch(/^chain_follower_head_block\{/m);
    });
  });

  describe('following a chain', () => {
    let rpc: FakeJsonRpc;
    let watcher: ServiceProcess;
    const cursor = async () => (await pg.query(`SELECT chain_id::int AS chain_id, last_block::text AS last_block FROM chain.follower_cursors`)).rows as Array<{ chain_id: number; last_block: string }>;

    beforeAll(async () => {
      rpc = await FakeJsonRpc.start(31_337);
      rpc.head = 100n;
      watcher = await startServiceProcess('chain-watcher', {
        DATABASE_URL: db.url,
        NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
        CHAIN_RPC_URL: rpc.url,
        CHAIN_ID: '31337',
        CHAIN_POLL_INTERVAL_MS: '100',
        CHAIN_RPC_TIMEOUT_MS: '500',
      });
    });

    afterAll(async () => {
      await watcher?.stop();
      await rpc?.close();
    });

    it('includes chain in /readyz', async () => {
      expect(await (await fetch(`${watcher.url}/readyz`)).json()).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok', chain: 'ok' } });
    });

    it('stores the head in the cursor and the gauge as the chain moves', async () => {
      await eventually(cursor, (rows) => rows[0]?.last_block === '100');
      rpc.head = 12_345n;
      expect(await eventually(cursor, (rows) => rows[0]?.last_block === '12345')).toEqual([{ chain_id: 31_337, last_block: '12345' }]);
      const metrics = await (await fetch(`${watcher.url}/metrics`)).text();
      expect(metrics).toMatch(/^chain_follower_head_block\{chain_id="31337",service="chain-watcher"\} 12345$/m);
    });

    it('reports not ready while the RPC is down, keeps the cursor, and resumes', async () => {
      rpc.down = true;
      const response = await fetch(`${watcher.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'not_ready', checks: { chain: expect.stringMatching(/^failing/) } });
      expect(await cursor()).toEqual([{ chain_id: 31_337, last_block: '12345' }]);
      rpc.down = false;
      rpc.head = 12_400n;
      await eventually(cursor, (rows) => rows[0]?.last_block === '12400');
      expect((await fetch(`${watcher.url}/readyz`)).status).toBe(200);
    });
  });
});
