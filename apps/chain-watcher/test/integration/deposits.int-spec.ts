import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { LocalUsdt, attacker, payer, treasuryAddress } from './support/local-usdt';
import { CHAIN_ID, type DepositApi, DepositStack, eventually, usd } from './support/deposit-stack';

// finalized = latest − 2 × slots: 4 blocks behind the head on this chain
const SLOTS = 2;

describe('USDT deposits on a local chain', () => {
  let chain: DepositStack;
  let fake: LocalUsdt;
  const creditedGross: bigint[] = [];

  beforeAll(async () => {
    chain = await DepositStack.start({ slotsInAnEpoch: SLOTS });
    fake = await LocalUsdt.deploy(chain.anvil, attacker);
    await fake.mint(attacker.address, usd(1_000));
  }, 90_000);

  afterAll(async () => {
    await chain?.stop();
  });

  const receiptBlock = async (hash: `0x${string}`) => (await chain.usdt.client.getTransactionReceipt({ hash })).blockNumber;

  it('gives each workspace one stable address derived from the xpub, at a unique index', async () => {
    const a = await chain.workspace('addresses-a');
    const b = await chain.workspace('addresses-b');
    expect(a.address).not.toBe(b.address);
    const again = await chain.api<{ address: string; chain_id: number; token: { address: string; decimals: number }; minimum_micros: string; fee_basis_points: number }>(a.key, '/api/v1/deposits/address');
    expect(again.body).toMatchObject({ address: a.address, chain_id: CHAIN_ID, token: { address: chain.usdt.address, decimals: 6 }, minimum_micros: '5000000', fee_basis_points: 500 });
    // The operator derives the same addresses from the seed the service never sees.
    const operatorSide = Array.from({ length: 10 }, (_, i) => treasuryAddress(i));
    expect(operatorSide).toEqual(expect.arrayContaining([a.address, b.address]));
  });

  it('shows a deposit as pending with its confirmations, then credits it once at finality: 5 % fee rounded up, net to the workspace', async () => {
    const ws = await chain.workspace('single');
    const hash = await chain.usdt.transfer(payer, ws.address, 12_345_678n);
    const pending = await eventually(() => chain.deposits(ws.key), (d) => d.length === 1);
    expect(pending[0]).toMatchObject({ tx_hash: hash, status: 'pending', credit_status: 'not_final', amount_micros: '12345678', credit: null });
    expect(BigInt(pending[0].confirmations)).toBeGreaterThanOrEqual(1n);
    expect(await chain.balanceMicros(ws.key)).toBe(0n);

    await chain.finalize(await receiptBlock(hash), SLOTS);
    const [credited] = await eventually(() => chain.deposits(ws.key), (d) => d[0]?.credit_status === 'credited');
    expect(credited).toMatchObject({ status: 'confirmed', credit: { gross_micros: '12345678', fee_micros: '617284', net_micros: '11728394' } });
    expect(await chain.balanceMicros(ws.key)).toBe(11_728_394n);
    expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(1);
    creditedGross.push(12_345_678n);

    // Replays: the tx verified twice, the outbox republished (crash between publish and mark), and the event
    // published again under another message id — the workspace is still credited once.
    for (let i = 0; i < 2; i++) {
      const verify = await chain.api<{ status: string; deposits: DepositApi[] }>(ws.key, '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: hash } });
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ status: 'confirmed', deposits: [{ tx_hash: hash, credit_status: 'credited' }] });
    }
    const { rows } = await chain.pg.query(`UPDATE chain.outbox SET published_at = NULL WHERE message_id = $1 RETURNING payload`, [`${CHAIN_ID}:${hash}:${credited.log_index}`]);
    expect(rows).toHaveLength(1);
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const h = natsHeaders();
      await jetstream(nc).publish(`${chain.stack.subjectPrefix}chain.deposit.confirmed`, JSON.stringify(rows[0].payload), { msgID: `replay-${hash}`, headers: h });
    } finally {
      await nc.close();
    }
    await eventually(async () => (await chain.pg.query(`SELECT published_at FROM chain.outbox WHERE published_at IS NULL`)).rowCount, (n) => n === 0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await chain.balanceMicros(ws.key)).toBe(11_728_394n);
    expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(1);
    expect((await chain.pg.query(`SELECT count(*)::int AS n FROM chain.deposit_credits WHERE workspace_id = $1`, [ws.id])).rows[0].n).toBe(1);

    // Someone else verifying this transaction learns nothing and is credited nothing.
    const other = await chain.workspace('claimant');
    const claim = await chain.api<{ status: string; deposits: unknown[] }>(other.key, '/api/v1/deposits/verify', { method: 'POST', body: { txHash: hash } });
    expect(claim.body).toMatchObject({ status: 'no_matching_transfer', deposits: [] });
    expect(await chain.balanceMicros(other.key)).toBe(0n);
  });

  it('ignores a Transfer log emitted by a look-alike token', async () => {
    const ws = await chain.workspace('fake-token');
    const hash = await fake.transfer(attacker, ws.address, usd(500));
    await chain.finalize(await receiptBlock(hash), SLOTS);
    const verify = await chain.api<{ status: string }>(ws.key, '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: hash } });
    expect(verify.body.status).toBe('no_matching_transfer');
    expect(await chain.deposits(ws.key)).toEqual([]);
    expect(await chain.balanceMicros(ws.key)).toBe(0n);
  });

  it('drops a pending deposit that a reorg removed before finality, and never credits it', async () => {
    const ws = await chain.workspace('reorg');
    const snapshot = await chain.usdt.snapshot();
    const hash = await chain.usdt.transfer(payer, ws.address, usd(7));
    await eventually(() => chain.deposits(ws.key), (d) => d[0]?.status === 'pending');
    const verifyBefore = await chain.api<{ status: string }>(ws.key, '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: hash } });
    expect(verifyBefore.body.status).toBe('pending');

    await chain.usdt.revert(snapshot); // the chain rolls back to before the transfer
    await chain.usdt.mine(3); // another branch becomes canonical at that height
    const [dropped] = await eventually(() => chain.deposits(ws.key), (d) => d[0]?.status === 'dropped');
    expect(dropped).toMatchObject({ tx_hash: hash, credit_status: 'none', credit: null });

    await chain.finalize((await chain.usdt.head()) + 1n, SLOTS);
    const verifyAfter = await chain.api<{ status: string }>(ws.key, '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: hash } });
    expect(verifyAfter.body.status).toBe('not_found');
    expect((await chain.deposits(ws.key)).map((d) => d.status)).toEqual(['dropped']);
    expect(await chain.balanceMicros(ws.key)).toBe(0n);
    expect(await chain.ledgerDepositTransfers(ws.id)).toEqual([]);
  });

  it('accumulates deposits below the $5 minimum and credits them together once the total passes it', async () => {
    const ws = await chain.workspace('accumulate');
    const hashes: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const hash = await chain.usdt.transfer(payer, ws.address, usd(2));
      hashes.push(hash);
      await chain.finalize(await receiptBlock(hash), SLOTS);
      if (i < 3) {
        const deposits = await eventually(() => chain.deposits(ws.key), (d) => d.length === i && d.every((x) => x.status === 'confirmed'));
        expect(deposits.map((d) => d.credit_status)).toEqual(Array(i).fill('below_minimum'));
        const list = await chain.api<{ below_minimum_micros: string }>(ws.key, '/api/v1/deposits');
        expect(list.body.below_minimum_micros).toBe(String(2_000_000 * i));
        expect(await chain.balanceMicros(ws.key)).toBe(0n);
      }
    }
    const deposits = await eventually(() => chain.deposits(ws.key), (d) => d.length === 3 && d.every((x) => x.credit_status === 'credited'));
    expect(new Set(deposits.map((d) => d.credit?.id)).size).toBe(1);
    expect(deposits[0].credit).toMatchObject({ gross_micros: '6000000', fee_micros: '300000', net_micros: '5700000' });
    expect(await chain.balanceMicros(ws.key)).toBe(5_700_000n);
    expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(1);
    creditedGross.push(6_000_000n);
  });

  it('credits each Transfer log of a transaction with several', async () => {
    const e = await chain.workspace('multi-e');
    const f = await chain.workspace('multi-f');
    const hash = await chain.usdt.multiTransfer(payer, [e.address, attacker.address, f.address, e.address], [usd(5), usd(1), usd(6), usd(7)]);
    await chain.finalize(await receiptBlock(hash), SLOTS);
    const eDeposits = await eventually(() => chain.deposits(e.key), (d) => d.length === 2 && d.every((x) => x.credit_status === 'credited'));
    const fDeposits = await eventually(() => chain.deposits(f.key), (d) => d.length === 1 && d[0].credit_status === 'credited');
    expect(new Set([...eDeposits, ...fDeposits].map((d) => d.log_index)).size).toBe(3);
    expect(eDeposits.every((d) => d.tx_hash === hash)).toBe(true);
    // 5 + 7 = 12 USDT → fee 0.60, net 11.40; 6 USDT → fee 0.30, net 5.70
    expect(await chain.balanceMicros(e.key)).toBe(11_400_000n);
    expect(await chain.balanceMicros(f.key)).toBe(5_700_000n);
    creditedGross.push(12_000_000n, 6_000_000n);
  });

  it('leaves the ledger balanced: crypto asset = Σ gross, fee revenue = Σ fees, audit clean', async () => {
    const audit = await chain.audit();
    expect(audit).toMatchObject({ balanced: true, sumMicros: '0', mismatches: [], overdrawnAccounts: [] });
    const { rows } = await chain.pg.query(`SELECT code, debits_posted::text AS d, credits_posted::text AS c FROM ledger.accounts WHERE code IN ($1, 'revenue:funding_fees')`, [`asset:crypto:${CHAIN_ID}:usdt`]);
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r]));
    expect(BigInt(byCode[`asset:crypto:${CHAIN_ID}:usdt`].d)).toBe(creditedGross.reduce((a, b) => a + b, 0n));
    expect(byCode['revenue:funding_fees'].c).toBe(String(617_284 + 300_000 + 600_000 + 300_000));
    // A poll that read the head while the previous test was still mining may have seen a fresher finalized tag
    // (clamped to that head); the next poll records the settled lag.
    const finalityLag = /^chain_finality_lag_blocks\{chain_id="137",service="chain-watcher"\} 4$/m;
    const metrics = await eventually(async () => (await fetch(`${chain.stack.url('chain-watcher')}/metrics`)).text(), (text) => finalityLag.test(text), 5_000);
    expect(metrics).toMatch(finalityLag);
    expect(metrics).toMatch(/^chain_follower_lag_blocks\{chain_id="137",service="chain-watcher"\} \d+$/m);
    expect(await (await fetch(`${chain.stack.url('chain-watcher')}/readyz`)).json()).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok', chain: 'ok' } });
  });
});
