import { payer } from './support/local-usdt';
import { DepositStack, eventually, usd } from './support/deposit-stack';

const SLOTS = 1; // finalized = latest − 2
const DEPOSITS = 12;

describe('chain-watcher killed mid-backfill', () => {
  let chain: DepositStack;

  beforeAll(async () => {
    // Small ranges, one per poll: the backfill of ~250 blocks takes many polls, so a kill lands in the middle.
    chain = await DepositStack.start({ slotsInAnEpoch: SLOTS, env: { CHAIN_LOG_RANGE_BLOCKS: '5', CHAIN_MAX_RANGES_PER_POLL: '1', CHAIN_POLL_INTERVAL_MS: '150' } });
  }, 90_000);

  afterAll(async () => {
    await chain?.stop();
  });

  it('resumes from its cursor after a crash: nothing missed, nothing credited twice, ledger balanced', async () => {
    const a = await chain.workspace('backfill-a');
    const b = await chain.workspace('backfill-b');
    await chain.stack.services.get('chain-watcher')!.stop();

    // While the watcher is down: deposits spread over ~250 blocks, to two workspaces.
    const expected = new Map<string, bigint>([[a.id, 0n], [b.id, 0n]]);
    for (let i = 0; i < DEPOSITS; i++) {
      const to = i % 2 === 0 ? a : b;
      const amount = usd(5) + BigInt(i) * 1_111n;
      await chain.usdt.transfer(payer, to.address, amount);
      expected.set(to.id, expected.get(to.id)! + amount);
      await chain.usdt.mine(20);
    }
    const end = await chain.usdt.finalized();

    const watcher = await chain.stack.restart('chain-watcher');
    const start = await chain.scannedBlock();
    await eventually(() => chain.scannedBlock(), (scanned) => scanned > start + 60n && scanned < end - 60n, 30_000);
    await watcher.kill(); // SIGKILL: no graceful shutdown
    const atKill = await chain.scannedBlock();
    const creditedAtKill = (await chain.pg.query(`SELECT count(*)::int AS n FROM chain.deposits WHERE status = 'confirmed'`)).rows[0].n as number;
    expect(atKill).toBeLessThan(end);
    expect(creditedAtKill).toBeLessThan(DEPOSITS);

    await chain.stack.restart('chain-watcher');
    await eventually(() => chain.scannedBlock(), (scanned) => scanned >= end, 40_000);
    for (const ws of [a, b]) {
      const deposits = await eventually(() => chain.deposits(ws.key), (d) => d.length === DEPOSITS / 2 && d.every((x) => x.credit_status === 'credited'), 20_000);
      const gross = deposits.reduce((sum, d) => sum + BigInt(d.amount_micros), 0n);
      expect(gross).toBe(expected.get(ws.id));
      // Every deposit is in exactly one credit; deposits final at the same moment may share one (the funding
      // service books all of a workspace's final deposits together). One ledger transfer per credit, never two.
      const credits = new Map(deposits.map((d) => [d.credit!.id, d.credit!]));
      expect(credits.size).toBeGreaterThanOrEqual(1);
      expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(credits.size);
      const net = [...credits.values()].reduce((sum, c) => sum + BigInt(c.net_micros), 0n);
      expect(await chain.balanceMicros(ws.key)).toBe(net);
    }
    expect((await chain.pg.query(`SELECT count(*)::int AS n FROM chain.outbox`)).rows[0].n).toBe(DEPOSITS);
    expect(await chain.audit()).toMatchObject({ balanced: true, mismatches: [], overdrawnAccounts: [] });
  }, 60_000);
});
