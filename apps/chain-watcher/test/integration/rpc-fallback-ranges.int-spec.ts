import { payer } from './support/local-usdt';
import { BrokenRpc, JsonRpcProxy } from './support/json-rpc-proxy';
import { DepositStack, eventually, usd } from './support/deposit-stack';

const SLOTS = 2; // finalized = latest − 4
const MAX_LOG_RANGE = 10;

describe('chain-watcher on unreliable RPCs: a dead primary and a node that refuses wide log ranges', () => {
  let chain: DepositStack;
  let broken: BrokenRpc;
  let proxy: JsonRpcProxy;

  beforeAll(async () => {
    broken = await BrokenRpc.start();
    chain = await DepositStack.start({
      slotsInAnEpoch: SLOTS,
      env: async (anvil) => {
        proxy = await JsonRpcProxy.start(anvil.rpcUrl, { maxLogRangeBlocks: MAX_LOG_RANGE });
        // The primary answers 500 to everything; the only working node is the fallback, and it refuses eth_getLogs
        // over more than 10 blocks while the watcher asks for up to 1 000.
        return { CHAIN_RPC_URL: broken.url, CHAIN_RPC_FALLBACK_URLS: proxy.url, CHAIN_LOG_RANGE_BLOCKS: '1000', CHAIN_RPC_TIMEOUT_MS: '2000' };
      },
    });
  }, 90_000);

  afterAll(async () => {
    await chain?.stop();
    await proxy?.close();
    await broken?.close();
  });

  it('falls back past the dead primary, halves refused ranges, and credits every deposit exactly once', async () => {
    const a = await chain.workspace('fallback-a');
    const b = await chain.workspace('fallback-b');
    const expected = new Map<string, bigint>([[a.id, 0n], [b.id, 0n]]);
    // Deposits spread so each poll's final range is wider than the node accepts: 1 transfer block + 37 mined.
    for (let i = 0; i < 6; i++) {
      const to = i % 2 === 0 ? a : b;
      const amount = usd(5) + BigInt(i) * 10_001n;
      await chain.usdt.transfer(payer, to.address, amount);
      expected.set(to.id, expected.get(to.id)! + amount);
      await chain.usdt.mine(37);
    }
    await chain.finalize(await chain.usdt.head(), SLOTS);

    for (const ws of [a, b]) {
      const deposits = await eventually(() => chain.deposits(ws.key), (d) => d.length === 3 && d.every((x) => x.credit_status === 'credited'), 20_000);
      expect(deposits.reduce((sum, d) => sum + BigInt(d.amount_micros), 0n)).toBe(expected.get(ws.id));
      // Deposits final in the same poll may share one credit; each credit is one ledger transfer, its gross the sum.
      const credits = new Map(deposits.map((d) => [d.credit!.id, d.credit!]));
      expect([...credits.values()].reduce((sum, c) => sum + BigInt(c.gross_micros), 0n)).toBe(expected.get(ws.id));
      expect(await chain.ledgerDepositTransfers(ws.id)).toHaveLength(credits.size);
      expect(await chain.balanceMicros(ws.key)).toBe([...credits.values()].reduce((sum, c) => sum + BigInt(c.net_micros), 0n));
    }
    expect((await chain.pg.query(`SELECT count(*)::int AS n FROM chain.deposits`)).rows[0].n).toBe(6);

    // The primary was asked (and failed) — the fallback did the work.
    expect(broken.requests).toBeGreaterThan(0);
    // Wide ranges were asked for and refused; every range the node served was within its limit, and the served
    // ranges tile the scanned blocks without a gap.
    expect(proxy.refusedLogRanges.some(([from, to]) => to - from + 1n > 30n)).toBe(true);
    expect(proxy.servedLogRanges.every(([from, to]) => to - from + 1n <= BigInt(MAX_LOG_RANGE))).toBe(true);
    const scanned = await chain.scannedBlock();
    const firstTransferBlock = (await chain.deposits(a.key)).map((d) => BigInt(d.block_number)).reduce((m, x) => (x < m ? x : m));
    const covered = new Set<bigint>();
    for (const [from, to] of proxy.servedLogRanges) for (let block = from; block <= to; block++) covered.add(block);
    for (let block = firstTransferBlock; block <= scanned; block++) expect(covered.has(block)).toBe(true);

    expect(await chain.audit()).toMatchObject({ balanced: true, mismatches: [], overdrawnAccounts: [] });
  }, 60_000);
});
