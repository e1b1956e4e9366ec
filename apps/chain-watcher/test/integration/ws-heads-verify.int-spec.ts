import { createWalletClient, defineChain, encodeFunctionData, erc20Abi, http } from 'viem';
import { payer } from './support/local-usdt';
import { type DepositApi, DepositStack, eventually, usd } from './support/deposit-stack';

const SLOTS = 2; // finalized = latest − 4

describe('chain-watcher with a WebSocket new-head trigger and a 10-minute poll', () => {
  let chain: DepositStack;

  beforeAll(async () => {
    // Polling alone would see nothing within any wait below: only new heads over WebSocket wake the follower.
    chain = await DepositStack.start({ slotsInAnEpoch: SLOTS, env: async (anvil) => ({ CHAIN_WS_URL: anvil.wsUrl, CHAIN_POLL_INTERVAL_MS: '600000' }) });
  }, 90_000);

  afterAll(async () => {
    await chain?.stop();
  });

  it('sees a deposit as pending and credits it at finality, woken by new heads', async () => {
    const ws = await chain.workspace('ws-heads');
    const hash = await chain.usdt.transfer(payer, ws.address, usd(8));
    const [pending] = await eventually(() => chain.deposits(ws.key), (d) => d.length === 1, 8_000);
    expect(pending).toMatchObject({ tx_hash: hash, status: 'pending' });

    await chain.usdt.mine(2 * SLOTS + 1); // one call, several heads: the last must still be scanned
    const [credited] = await eventually(() => chain.deposits(ws.key), (d) => d[0]?.credit_status === 'credited', 8_000);
    expect(credited.credit).toMatchObject({ gross_micros: '8000000', fee_micros: '400000', net_micros: '7600000' });
    expect(await chain.balanceMicros(ws.key)).toBe(7_600_000n);
  }, 30_000);

  it('verifies a reverted token transfer as reverted and credits nothing', async () => {
    const ws = await chain.workspace('reverted');
    const before = await chain.balanceMicros(ws.key);
    // A transfer of more than the payer holds: mined with a fixed gas limit (no estimate), it reverts on chain.
    const wallet = createWalletClient({
      account: payer,
      chain: defineChain({ id: chain.anvil.chainId, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [chain.anvil.rpcUrl] } } }),
      transport: http(chain.anvil.rpcUrl),
    });
    const hash = await wallet.sendTransaction({ to: chain.usdt.address, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [ws.address, usd(1_000_000)] }), gas: 100_000n });
    const receipt = await chain.usdt.client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    await chain.finalize(receipt.blockNumber, SLOTS);

    for (const txHash of [hash, hash]) {
      const verify = await chain.api<{ status: string; deposits: DepositApi[]; confirmations: string | null }>(ws.key, '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: txHash } });
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ status: 'reverted', deposits: [], confirmations: null });
    }
    expect(await chain.deposits(ws.key)).toEqual([]);
    expect(await chain.balanceMicros(ws.key)).toBe(before);
    expect(await chain.ledgerDepositTransfers(ws.id)).toEqual([]);
  }, 30_000);
});
