import { JsonRpcProxy } from './support/json-rpc-proxy';
import { payer } from './support/local-usdt';
import { CHAIN_ID, DepositStack, eventually, usd } from './support/deposit-stack';

const SLOTS = 1; // finalized = latest − 2

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, string> };
}

describe('chain lag monitoring: /readyz and the lag gauges', () => {
  let chain: DepositStack;
  let proxy: JsonRpcProxy;

  beforeAll(async () => {
    chain = await DepositStack.start({
      slotsInAnEpoch: SLOTS,
      env: async (anvil) => {
        proxy = await JsonRpcProxy.start(anvil.rpcUrl);
        // One 5-block range per poll: a burst of blocks takes the follower many polls to scan.
        return {
          CHAIN_RPC_URL: proxy.url,
          CHAIN_LOG_RANGE_BLOCKS: '5',
          CHAIN_MAX_RANGES_PER_POLL: '1',
          CHAIN_MAX_FOLLOWER_LAG_BLOCKS: '30',
          CHAIN_MAX_FINALITY_LAG_BLOCKS: '10',
        };
      },
    });
  }, 90_000);

  afterAll(async () => {
    await chain?.stop();
    await proxy?.close();
  });

  const readyz = async (): Promise<Readiness> => {
    const response = await fetch(`${chain.stack.url('chain-watcher')}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness['body'] };
  };
  const gauge = (metrics: string, name: string): bigint | undefined => {
    const match = new RegExp(`^${name}\\{chain_id="${CHAIN_ID}",service="chain-watcher"\\} (\\d+)$`, 'm').exec(metrics);
    return match ? BigInt(match[1]) : undefined;
  };
  // Both lags from one scrape: the follower records them together, so they describe the same poll.
  const snapshot = async () => {
    const ready = await readyz();
    const metrics = await (await fetch(`${chain.stack.url('chain-watcher')}/metrics`)).text();
    return { ready, finalityLag: gauge(metrics, 'chain_finality_lag_blocks'), followerLag: gauge(metrics, 'chain_follower_lag_blocks') };
  };

  it('is ready with small lags once the follower has caught up', async () => {
    await chain.usdt.mine(3);
    // a CI run (2026-12-03) read a finality lag of 0 on the first scrape showing the follower caught up (cause not
    // found): wait for the scrape where both lags are what a caught-up follower reports (the wait fails with the
    // last scrape if they never are)
    const state = await eventually(snapshot, (s) => s.ready.status === 200 && s.followerLag === 0n && s.finalityLag === 2n);
    expect(state.ready.body).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok', chain: 'ok' } });
  });

  it('reports not ready when finality stalls behind the head, and ready again when it moves', async () => {
    proxy.finalizedBlock = await chain.usdt.finalized(); // the node keeps answering this stale finalized block
    await chain.usdt.mine(20);
    const stalled = await eventually(snapshot, (s) => s.ready.status === 503);
    expect(stalled.ready.body).toMatchObject({ status: 'not_ready', checks: { chain: expect.stringMatching(/^failing.*finality lags 2\d blocks behind the head .*max 10/) } });
    expect(stalled.finalityLag).toBeGreaterThan(10n);

    proxy.finalizedBlock = undefined;
    await chain.usdt.mine(1);
    const recovered = await eventually(snapshot, (s) => s.ready.status === 200 && s.finalityLag === 2n);
    expect(recovered.ready.body.checks.chain).toBe('ok');
  });

  it('reports not ready while the follower trails the finalized block, then credits the backlog and is ready again', async () => {
    const ws = await chain.workspace('lagging'); // an address to scan for, so final ranges stay bounded
    await chain.usdt.transfer(payer, ws.address, usd(6));
    await chain.usdt.mine(300);
    const behind = await eventually(snapshot, (s) => s.ready.status === 503);
    expect(behind.ready.body).toMatchObject({ status: 'not_ready', checks: { chain: expect.stringMatching(/^failing.*follower is \d+ final blocks behind .*max 30/) } });
    expect(behind.followerLag).toBeGreaterThan(30n);

    const caughtUp = await eventually(snapshot, (s) => s.ready.status === 200 && s.followerLag === 0n, 40_000);
    expect(caughtUp.ready.body.checks.chain).toBe('ok');
    const [deposit] = await eventually(() => chain.deposits(ws.key), (d) => d[0]?.credit_status === 'credited');
    expect(deposit.credit).toMatchObject({ gross_micros: '6000000', fee_micros: '300000', net_micros: '5700000' });
  }, 60_000);
});
