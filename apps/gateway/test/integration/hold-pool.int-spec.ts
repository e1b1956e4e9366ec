import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, settledCredits, startGatewayTestStack } from '../support/gateway-test-stack';

const IDLE_MS = 1_500;

describe('pre-placed holds (HOLD_POOL_ENABLED): requests take a hold that is already in the ledger', () => {
  let stack: GatewayTestStack;
  let pg: Client;

  beforeAll(async () => {
    stack = await startGatewayTestStack({
      env: { HOLD_POOL_ENABLED: 'true', HOLD_POOL_IDLE_MS: String(IDLE_MS) },
      workspace: { name: 'pool', creditMicros: 2_000_000n },
    });
    pg = new Client({ connectionString: stack.stack.database.url });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await pg?.end();
    await stack?.stop();
  });

  const chat = (key: string, body: object = {}) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'pool me' }], max_tokens: 30, ...body }),
    });

  /** Holds the gateway placed ahead of demand, and how each resolved (null: still pending). */
  async function pooledHolds(): Promise<Array<{ hold: string; resolution: string | null }>> {
    const { rows } = await pg.query<{ hold: string; resolution: string | null }>(
      `SELECT p.idempotency_key AS hold, r.kind::text AS resolution
         FROM ledger.transfers p LEFT JOIN ledger.transfers r ON r.pending_id = p.id
        WHERE p.kind = 'pending' AND p.idempotency_key LIKE 'hold:pool-%' ORDER BY p.id`,
    );
    return rows;
  }

  const poolHoldsOf = async (workspaceId: string, resolution: 'pending' | 'void') => {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM ledger.transfers p JOIN ledger.accounts a ON a.id = p.debit_account_id
        LEFT JOIN ledger.transfers r ON r.pending_id = p.id
        WHERE p.kind = 'pending' AND p.idempotency_key LIKE 'hold:pool-%' AND a.workspace_id = $1
          AND ${resolution === 'pending' ? 'r.id IS NULL' : "r.kind = 'void'"}`,
      [workspaceId],
    );
    return Number(rows[0].n);
  };
  const pendingPoolHolds = (workspaceId: string) => poolHoldsOf(workspaceId, 'pending');
  const voidedPoolHolds = (workspaceId: string) => poolHoldsOf(workspaceId, 'void');

  it('after the first request, later requests are served from pre-placed holds; each is captured for exactly its cost', async () => {
    const before = await stack.credits();
    let reported = 0n;
    for (let i = 0; i < 6; i++) {
      const response = await chat(stack.apiKey, { messages: [{ role: 'user', content: `pool ${i}` }] });
      expect(response.status).toBe(200);
      reported += BigInt(((await response.json()) as { usage: { cost_micros: string } }).usage.cost_micros);
      await new Promise((r) => setTimeout(r, 50));
    }
    // captures land after the answers (billing settles the completion events): wait for them, on a loaded machine too
    const posted = (holds: Awaited<ReturnType<typeof pooledHolds>>) => holds.filter((h) => h.resolution === 'post').length;
    const holds = await eventually(pooledHolds, (rows) => posted(rows) >= 4);
    expect(posted(holds)).toBeGreaterThanOrEqual(4);
    // Unused pre-placed holds are released after the idle time: then nothing is pending and the balance moved by exactly the costs.
    const after = await settledCredits(stack.gatewayUrl, stack.apiKey, { timeoutMs: IDLE_MS + 15_000 });
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(reported);
    expect((await pooledHolds()).every((h) => h.resolution === 'post' || h.resolution === 'void')).toBe(true);
  });

  it('a request larger than the pooled holds is served in full when the pool ties up the balance it needs', async () => {
    // demo/echo-large ($2.50 / $10 per Mtok). First request: worst case ≈ 2,600 µUSD (short prompt, 250 tokens), cost
    // ≈ 500; the pool then holds ≈ 2,600 more. Second: a long prompt echoed back (~300 tokens), worst case ≈ 7,800: it
    // fits only once the pool gives its hold back (otherwise a partial hold cuts the answer: finish_reason "length").
    const { id, key } = await stack.createWorkspace('small', 9_000n);
    expect((await chat(key, { model: 'demo/echo-large', max_tokens: 250, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pendingPoolHolds(id)).toBe(1);
    const large = await chat(key, { model: 'demo/echo-large', max_tokens: 400, messages: [{ role: 'user', content: 'word '.repeat(300) }] });
    expect(large.status).toBe(200);
    expect(((await large.json()) as { choices: Array<{ finish_reason: string }> }).choices[0].finish_reason).toBe('stop');
    expect(await voidedPoolHolds(id)).toBeGreaterThanOrEqual(1);
    const settled = await settledCredits(stack.gatewayUrl, key, { timeoutMs: IDLE_MS + 15_000 });
    expect(BigInt(settled.balance_micros)).toBeGreaterThanOrEqual(0n);
  });

  it('a busy workspace\'s pool grows and is refilled in batches: several pre-placed holds per ledger transaction', async () => {
    const { id, key } = await stack.createWorkspace('busy', 1_000_000n);
    const client = async (worker: number) => {
      for (let i = 0; i < 6; i++) expect((await chat(key, { messages: [{ role: 'user', content: `busy ${worker}.${i}` }] })).status).toBe(200);
    };
    await Promise.all(Array.from({ length: 8 }, (_, worker) => client(worker)));
    // holds committed by one ledger batch share its transaction id
    const { rows } = await pg.query<{ holds: string; transactions: string }>(
      `SELECT count(*) AS holds, count(DISTINCT p.xmin::text) AS transactions
         FROM ledger.transfers p JOIN ledger.accounts a ON a.id = p.debit_account_id
        WHERE p.kind = 'pending' AND p.idempotency_key LIKE 'hold:pool-%' AND a.workspace_id = $1`,
      [id],
    );
    const holds = Number(rows[0]!.holds);
    const transactions = Number(rows[0]!.transactions);
    expect(holds).toBeGreaterThanOrEqual(8);
    expect(transactions * 2).toBeLessThanOrEqual(holds);
    await settledCredits(stack.gatewayUrl, key, { timeoutMs: IDLE_MS + 15_000 });
  }, 60_000);

  it('the ledger stays balanced', async () => {
    const audit = (await (await fetch(`${stack.gatewayUrl}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.stack.adminToken}` } })).json()) as { balanced: boolean };
    expect(audit.balanced).toBe(true);
  });
});
