import { type ServiceProcess, startServiceProcess } from '@switchyard/testing';
import { payer } from './support/local-usdt';
import { CHAIN_ID, DepositStack, eventually, usd } from './support/deposit-stack';

const SLOTS = 1; // finalized = latest − 2

/** `name{chain_id="137",…} value` from a watcher's /metrics; undefined when the series does not exist. */
async function sample(watcher: ServiceProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${watcher.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`chain_id="${CHAIN_ID}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const leading = async (watchers: ServiceProcess[]) => Promise.all(watchers.map((w) => sample(w, 'chain_follower_leader')));

describe('two chain-watcher replicas', () => {
  let chain: DepositStack;
  let second: ServiceProcess;

  beforeAll(async () => {
    chain = await DepositStack.start({ slotsInAnEpoch: SLOTS, env: { CHAIN_POLL_INTERVAL_MS: '200' } });
    second = await startServiceProcess('chain-watcher', chain.stack.env, { readyTimeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await chain?.stop();
  });

  it('one follows, the other stands by ready; after kill -9 of the leader the standby takes over; every deposit credited once', async () => {
    const watchers = [chain.stack.services.get('chain-watcher')!, second];
    // Both have checked the lock at least once: exactly one leads.
    const roles = await eventually(() => leading(watchers), (r) => r.every((v) => v !== undefined), 15_000);
    expect([...roles].sort()).toEqual([0, 1]);
    const leader = watchers[roles.indexOf(1)]!;
    const standby = watchers[roles.indexOf(0)]!;

    const ws = await chain.workspace('leader-lock');
    const before = [usd(6), usd(7), usd(8)];
    for (const amount of before) await chain.usdt.transfer(payer, ws.address, amount);
    await chain.finalize(await chain.usdt.head(), SLOTS);
    await eventually(() => chain.deposits(ws.key), (d) => d.length === 3 && d.every((x) => x.credit_status === 'credited'), 20_000);

    // The standby never followed: it reports no scan progress of its own, and it is still ready.
    expect(await sample(standby, 'chain_follower_scanned_block')).toBeUndefined();
    expect(await sample(leader, 'chain_follower_scanned_block')).toBeGreaterThan(0);
    expect((await fetch(`${standby.url}/readyz`)).status).toBe(200);
    expect(await leading(watchers)).toEqual(roles);

    await leader.kill(); // SIGKILL: no shutdown hook releases anything; Postgres frees the lock with the session
    const killedAt = Date.now();
    await eventually(() => sample(standby, 'chain_follower_leader'), (v) => v === 1, 10_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    expect((await fetch(`${standby.url}/readyz`)).status).toBe(200);

    const after = [usd(9), usd(10)];
    for (const amount of after) await chain.usdt.transfer(payer, ws.address, amount);
    await chain.finalize(await chain.usdt.head(), SLOTS);
    const deposits = await eventually(() => chain.deposits(ws.key), (d) => d.length === 5 && d.every((x) => x.credit_status === 'credited'), 20_000);
    expect(await sample(standby, 'chain_follower_scanned_block')).toBeGreaterThan(0);

    const gross = deposits.reduce((sum, d) => sum + BigInt(d.amount_micros), 0n);
    expect(gross).toBe([...before, ...after].reduce((a, b) => a + b, 0n));
    // Exactly once: one ledger transfer per credit, and the balance is the sum of the credits' net amounts.
    const credits = new Map(deposits.map((d) => [d.credit!.id, d.credit!]));
    expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(credits.size);
    const net = [...credits.values()].reduce((sum, c) => sum + BigInt(c.net_micros), 0n);
    expect(await chain.balanceMicros(ws.key)).toBe(net);
    expect((await chain.pg.query(`SELECT count(*)::int AS n FROM chain.outbox`)).rows[0].n).toBe(5);
    expect(await chain.audit()).toMatchObject({ balanced: true, mismatches: [], overdrawnAccounts: [] });
  }, 120_000);
});
