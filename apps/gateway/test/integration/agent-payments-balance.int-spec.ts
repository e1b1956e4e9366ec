/**
 * Agent payments beyond one paid request, on a local chain (anvil + MockUSDT, every service as a process, agents
 * written with viem via examples/agent-402): the leftover balance of a paying address is spent on its next request
 * with a signed `balance` credential (no transfer, a hold like any workspace); a payment that arrives after its
 * challenge expired is booked to that balance; the payer gets its balance back on a signed request (operator policy
 * `on_request`, fee to revenue) and automatically (`automatic`) from the operator's payout wallet, and a payout that
 * fails is reversed; x402 v2 is advertised next to MPP. The ledger audit is balanced at the end.
 */
import { startAnvil, startTestStack, ANVIL_TEST_MNEMONIC, type AnvilChain, type TestStack } from '@switchyard/testing';
import { Client } from 'pg';
import { type Account, type Chain, createPublicClient, createTestClient, createWalletClient, defineChain, http, type PublicClient, toHex, type Transport, type WalletClient } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { LocalUsdt } from '../../../chain-watcher/test/integration/support/local-usdt';
import {
  balanceAuthorization,
  balanceMessage,
  type PaymentChallenge,
  parsePaymentChallenge,
  paymentAuthorization,
  readReceipt,
  requestRefund,
  sendTransfer,
  signTransfer,
} from '../../../../examples/agent-402/agent-402.client';

jest.setTimeout(240_000);

const CHAIN_ID = 137;
const REALM = 'gateway.test';
const agent = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 3 });
const bystander = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 4 });
const latePayer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 6 });
const operator = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 9 });
const USDC = '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359';
const CHALLENGE_TTL_MS = 10_000;
const REFUND_FEE_MICROS = 20_000n;
const REFUND_MIN_MICROS = 30_000n;

describe('agent payments: balance spend, late payments, refunds, x402 offer (local chain)', () => {
  let anvil: AnvilChain;
  let usdt: LocalUsdt;
  let stack: TestStack;
  let pg: Client;
  let publicClient: PublicClient;
  let chain: ReturnType<typeof defineChain>;
  const wallet = (account: typeof agent) => createWalletClient({ account, chain, transport: http(anvil.rpcUrl) }) as unknown as WalletClient<Transport, Chain, Account>;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    usdt = await LocalUsdt.deploy(anvil);
    for (const account of [agent, bystander, latePayer]) await usdt.mint(account.address, 100_000_000n);
    chain = defineChain({ id: CHAIN_ID, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } });
    publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 }) as PublicClient;
    stack = await startTestStack({
      services: ['ledger', 'router', 'billing', 'chain-watcher', 'gateway'],
      env: {
        CHAIN_RPC_URL: anvil.rpcUrl,
        CHAIN_ID: String(CHAIN_ID),
        CHAIN_TOKEN_ADDRESS: usdt.address,
        CHAIN_START_BLOCK: '0',
        CHAIN_POLL_INTERVAL_MS: '150',
        CHAIN_CONFIRMATION_POLICY: 'depth:1',
        // The operator's hot wallet: receives agent payments, sends refunds (dev: an anvil account).
        CHAIN_PAYOUT_PRIVATE_KEY: toHex(operator.getHdKey().privateKey!),
        AGENT_PAYMENTS_ENABLED: 'true',
        AGENT_PAYMENTS_SECRET: 'test-secret-test-secret-test-secret-0123',
        AGENT_PAYMENTS_REALM: REALM,
        AGENT_PAYMENTS_CHAIN_ID: String(CHAIN_ID),
        AGENT_PAYMENTS_TOKEN_ADDRESS: usdt.address,
        AGENT_PAYMENTS_RECIPIENT: operator.address,
        AGENT_PAYMENTS_CHALLENGE_TTL_MS: String(CHALLENGE_TTL_MS),
        AGENT_PAYMENTS_FINALITY: 'finalized',
        AGENT_PAYMENTS_SETTLE_WAIT_MS: '10000',
        AGENT_PAYMENTS_PROBE_ROUTE: 'true',
        AGENT_PAYMENTS_REFUND_POLICY: 'on_request',
        AGENT_PAYMENTS_REFUND_MIN_MICROS: String(REFUND_MIN_MICROS),
        AGENT_PAYMENTS_REFUND_FEE_MICROS: String(REFUND_FEE_MICROS),
        // Only read by the `automatic` policy (switched on in the last test): a payer is idle 2 s after its last payment.
        AGENT_PAYMENTS_REFUND_IDLE_MS: '2000',
        AGENT_PAYMENTS_X402_ASSET: USDC,
      },
    });
    pg = new Client({ connectionString: stack.database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end().catch(() => undefined);
    await stack?.stop();
    await anvil?.stop();
  });

  const gateway = () => stack.url('gateway');
  const post = (path: string, body: Record<string, unknown>, authorization?: string) =>
    fetch(`${gateway()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
  const probe = (body: Record<string, unknown>, authorization?: string) => post('/v1/agent-payments/probe', body, authorization);
  const chat = (body: Record<string, unknown>, authorization?: string) => post('/v1/chat/completions', body, authorization);

  async function challengeFrom(response: Response): Promise<PaymentChallenge> {
    expect(response.status).toBe(402);
    const challenge = parsePaymentChallenge(response.headers.get('www-authenticate') ?? '');
    expect(challenge).toBeDefined();
    return challenge!;
  }

  async function expect402(response: Response, problem: string) {
    const body = (await response.json()) as { type: string; detail: string };
    expect({ status: response.status, type: body.type }).toEqual({ status: 402, type: `https://paymentauth.org/problems/${problem}` });
    expect(parsePaymentChallenge(response.headers.get('www-authenticate') ?? '')).toBeDefined(); // a fresh challenge
    expect(readReceipt(response)).toBeUndefined();
    return body;
  }

  const tokenBalance = (address: `0x${string}`) =>
    publicClient.readContract({ address: usdt.address, abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] }] as const, functionName: 'balanceOf', args: [address] });
  const head = () => publicClient.getBlockNumber({ cacheTime: 0 });

  /** The payer workspace's ledger balance (posted, pending) by its address, read from the ledger's tables. */
  async function payerBalance(address: string): Promise<{ posted: bigint; pending: bigint }> {
    const { rows } = await pg.query<{ posted: string; pending: string }>(
      `SELECT (a.credits_posted - a.debits_posted)::text AS posted, a.debits_pending::text AS pending
         FROM ledger.accounts a JOIN gateway.workspaces w ON a.code = 'liability:workspace_credit:' || w.id::text
        WHERE w.name = $1`,
      [`agent did:pkh:eip155:${CHAIN_ID}:${address}`],
    );
    return rows.length === 0 ? { posted: 0n, pending: 0n } : { posted: BigInt(rows[0].posted), pending: BigInt(rows[0].pending) };
  }

  async function settledBalance(address: string): Promise<bigint> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const balance = await payerBalance(address);
      if (balance.pending === 0n || Date.now() > deadline) {
        expect(balance.pending).toBe(0n);
        return balance.posted;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('x402: PAYMENT-REQUIRED (v2, base64 JSON) offers USDC exact on eip155:137 next to the MPP challenge', async () => {
    const response = await probe({ worst_case_micros: '50000' });
    expect(response.status).toBe(402);
    expect(response.headers.get('www-authenticate')).toMatch(/^Payment id="/);
    const header = response.headers.get('payment-required')!;
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/); // standard base64, not base64url
    expect(JSON.parse(Buffer.from(header, 'base64').toString('utf8'))).toEqual({
      x402Version: 2,
      error: 'PAYMENT-SIGNATURE header is required',
      resource: { url: `${gateway()}/v1/agent-payments/probe`, description: 'switchyard request', mimeType: 'application/json' },
      accepts: [
        {
          scheme: 'exact',
          network: 'eip155:137',
          amount: '50000',
          asset: USDC,
          payTo: operator.address,
          maxTimeoutSeconds: CHALLENGE_TTL_MS / 1000,
          extra: { name: 'USD Coin', version: '2' },
        },
      ],
      extensions: {},
    });
  });

  let agentPaid = 0n;
  let firstCost = 0n;

  it('pays once on chain with 2 USDT extra; the next request is served from the leftover balance with no transfer (hold + capture)', async () => {
    const first = { model: 'demo/echo', messages: [{ role: 'user', content: 'first, paid on chain' }], max_tokens: 16 };
    const challenge = await challengeFrom(await chat(first));
    const generous = { ...challenge.charge, amount: challenge.charge.amount + 2_000_000n };
    const paid = await chat(first, paymentAuthorization(challenge, { type: 'transaction', signature: await signTransfer(wallet(agent), publicClient, generous) }, agent.address));
    expect(paid.status).toBe(200);
    expect(readReceipt(paid)).toMatchObject({ status: 'success', challengeId: challenge.params.id });
    firstCost = BigInt(((await paid.json()) as { usage: { cost_micros: string } }).usage.cost_micros);
    agentPaid = generous.amount;
    expect(await settledBalance(agent.address)).toBe(agentPaid - firstCost);

    const second = { model: 'demo/echo', messages: [{ role: 'user', content: 'second, paid from my balance' }], max_tokens: 16 };
    const challenge2 = await challengeFrom(await chat(second));
    const blocksBefore = await head();
    const operatorBefore = await tokenBalance(operator.address);
    const served = await chat(second, await balanceAuthorization(wallet(agent), challenge2));
    expect(served.status).toBe(200);
    expect(served.headers.get('cache-control')).toBe('private');
    expect(readReceipt(served)).toMatchObject({ status: 'success', challengeId: challenge2.params.id, reference: `balance:did:pkh:eip155:${CHAIN_ID}:${agent.address}` });
    const completion = (await served.json()) as { choices: Array<{ message: { content: string } }>; usage: { cost_micros: string } };
    expect(completion.choices[0].message.content).toContain('second, paid from my balance');
    const secondCost = BigInt(completion.usage.cost_micros);
    expect(secondCost).toBeGreaterThan(0n);
    // No transaction, no token moved; the workspace paid the exact cost out of its balance.
    expect(await head()).toBe(blocksBefore);
    expect(await tokenBalance(operator.address)).toBe(operatorBefore);
    expect(await settledBalance(agent.address)).toBe(agentPaid - firstCost - secondCost);
    // Both requests held on the payer workspace like on any other (one pending transfer each, since resolved).
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n FROM ledger.transfers t JOIN ledger.accounts d ON d.id = t.debit_account_id JOIN gateway.workspaces w ON d.code = 'liability:workspace_credit:' || w.id::text
        WHERE t.kind = 'pending' AND w.name = $1`,
      [`agent did:pkh:eip155:${CHAIN_ID}:${agent.address}`],
    );
    expect(rows[0].n).toBe(2);
  });

  it('balance credentials: replay, another body, a foreign signature, an empty balance and a tampered challenge → 402', async () => {
    const body = { worst_case_micros: '40000', note: 'balance A' };
    const challenge = await challengeFrom(await probe(body));
    const credential = await balanceAuthorization(wallet(agent), challenge);
    await expect402(await probe({ ...body, note: 'balance B' }, credential), 'invalid-challenge'); // bound to the body
    const ok = await probe(body, credential);
    expect(ok.status).toBe(200);
    expect(readReceipt(ok)?.reference).toBe(`balance:did:pkh:eip155:${CHAIN_ID}:${agent.address}`);
    expect((await expect402(await probe(body, credential), 'invalid-challenge')).detail).toMatch(/already paid/);

    // Signed by someone else, claiming the agent's balance.
    const c2 = await challengeFrom(await probe(body));
    const foreign = await wallet(bystander).signMessage({ account: bystander, message: balanceMessage(c2) });
    await expect402(await probe(body, paymentAuthorization(c2, { type: 'balance', signature: foreign }, agent.address)), 'verification-failed');
    // The bystander's own (empty) balance.
    const c3 = await challengeFrom(await probe(body));
    expect((await expect402(await probe(body, await balanceAuthorization(wallet(bystander), c3)), 'payment-insufficient')).detail).toMatch(/balance of .* is 0 micro-USD/);
    // A cheaper challenge than issued (the worst case sits in the HMAC-bound opaque): refused.
    const c4 = await challengeFrom(await probe(body));
    const opaque = Buffer.from(JSON.stringify({ iat: JSON.parse(Buffer.from(c4.params.opaque, 'base64url').toString()).iat, wc: '1' })).toString('base64url');
    const tampered: PaymentChallenge = { ...c4, params: { ...c4.params, opaque } };
    await expect402(await probe(body, await balanceAuthorization(wallet(agent), tampered)), 'invalid-challenge');
  });

  let lateAmount = 0n;

  it('a payment that arrives after its challenge expired is booked to the payer balance (402 payment-expired), then spendable', async () => {
    const body = { worst_case_micros: '30000', note: 'late' };
    const challenge = await challengeFrom(await probe(body));
    // A transfer signed in time but presented after the expiry (checked below; another payer, so its nonce is its own).
    const c2 = await challengeFrom(await probe(body));
    const signature = await signTransfer(wallet(bystander), publicClient, c2.charge);
    await new Promise((resolve) => setTimeout(resolve, CHALLENGE_TTL_MS + 1_000));
    // The agent paid too late (it broadcast the transfer itself after the expiry).
    const hash = await sendTransfer(wallet(latePayer), publicClient, challenge.charge);
    expect(await payerBalance(latePayer.address)).toEqual({ posted: 0n, pending: 0n });
    const late = await expect402(await probe(body, paymentAuthorization(challenge, { type: 'hash', hash })), 'payment-expired');
    expect(late.detail).toMatch(new RegExp(`credited to the balance of ${latePayer.address}`));
    lateAmount = challenge.charge.amount;
    expect(await payerBalance(latePayer.address)).toEqual({ posted: lateAmount, pending: 0n });
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ledger.transfers WHERE reason = 'agent_payment' AND journal_key = $1`, [`agent-payment:${CHAIN_ID}:${hash}:0`]);
    expect(rows[0].n).toBe(1);
    // Presenting it again books nothing twice.
    await expect402(await probe(body, paymentAuthorization(challenge, { type: 'hash', hash })), 'invalid-challenge');
    expect(await payerBalance(latePayer.address)).toEqual({ posted: lateAmount, pending: 0n });

    // An expired signed transfer is never broadcast by the gateway: the agent keeps its money.
    const blocksBefore = await head();
    expect((await expect402(await probe(body, paymentAuthorization(c2, { type: 'transaction', signature }, bystander.address)), 'payment-expired')).detail).toMatch(/not broadcast/);
    expect(await head()).toBe(blocksBefore);
    expect(await payerBalance(bystander.address)).toEqual({ posted: 0n, pending: 0n });

    // The late money pays the next request.
    const fresh = await challengeFrom(await probe(body));
    const spent = await probe(body, await balanceAuthorization(wallet(latePayer), fresh));
    expect(spent.status).toBe(200);
    expect((await spent.json()) as { available_micros: string }).toMatchObject({ available_micros: lateAmount.toString() });
  });

  it('refund on request: the payer signs, the operator wallet sends the balance less the fee back on chain; booked payer → asset + fee → revenue', async () => {
    const balance = await settledBalance(agent.address);
    expect(balance).toBeGreaterThan(REFUND_MIN_MICROS);
    const agentTokensBefore = await tokenBalance(agent.address);
    const operatorTokensBefore = await tokenBalance(operator.address);
    const response = await requestRefund(gateway(), wallet(agent), REALM);
    const refund = (await response.json()) as { status: string; refund_id: string; amount_micros: string; fee_micros: string; sent_base_units: string; tx_hash: `0x${string}` };
    expect(response.status).toBe(200);
    expect(refund).toMatchObject({ status: 'sent', amount_micros: balance.toString(), fee_micros: REFUND_FEE_MICROS.toString(), sent_base_units: (balance - REFUND_FEE_MICROS).toString() });
    const receipt = await publicClient.getTransactionReceipt({ hash: refund.tx_hash });
    expect({ status: receipt.status, from: receipt.from.toLowerCase() }).toEqual({ status: 'success', from: operator.address.toLowerCase() });
    expect(await tokenBalance(agent.address)).toBe(agentTokensBefore + balance - REFUND_FEE_MICROS);
    expect(await tokenBalance(operator.address)).toBe(operatorTokensBefore - (balance - REFUND_FEE_MICROS));
    expect(await payerBalance(agent.address)).toEqual({ posted: 0n, pending: 0n });
    const { rows } = await pg.query<{ debit: string; credit: string; amount: string; reason: string }>(
      `SELECT d.code AS debit, c.code AS credit, t.amount::text AS amount, t.reason FROM ledger.transfers t
         JOIN ledger.accounts d ON d.id = t.debit_account_id JOIN ledger.accounts c ON c.id = t.credit_account_id
        WHERE t.journal_key = $1 ORDER BY t.id`,
      [`agent-refund:${refund.refund_id}`],
    );
    expect(rows).toEqual([
      { debit: expect.stringMatching(/^liability:workspace_credit:/), credit: `asset:crypto:${CHAIN_ID}:usdt`, amount: (balance - REFUND_FEE_MICROS).toString(), reason: 'agent_payment' },
      { debit: expect.stringMatching(/^liability:workspace_credit:/), credit: 'revenue:funding_fees', amount: REFUND_FEE_MICROS.toString(), reason: 'funding_fee' },
    ]);

    // Nothing left: refused; someone else's signature: refused; malformed: refused.
    expect((await requestRefund(gateway(), wallet(agent), REALM)).status).toBe(409);
    const issued = new Date().toISOString();
    const forged = await wallet(bystander).signMessage({ account: bystander, message: `Switchyard agent payment refund\nrealm: ${REALM}\nchain: ${CHAIN_ID}\naddress: ${latePayer.address}\nissued: ${issued}` });
    const stolen = await post('/v1/agent-payments/refunds', { address: latePayer.address, issued, signature: forged });
    expect(stolen.status).toBe(403);
    expect(((await stolen.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await post('/v1/agent-payments/refunds', { address: latePayer.address })).status).toBe(400);
    expect(await payerBalance(latePayer.address)).toEqual({ posted: lateAmount, pending: 0n });
  });

  it('a signed refund request is single-use', async () => {
    const issued = new Date().toISOString();
    const signature = await wallet(latePayer).signMessage({ account: latePayer, message: `Switchyard agent payment refund\nrealm: ${REALM}\nchain: ${CHAIN_ID}\naddress: ${latePayer.address}\nissued: ${issued}` });
    // The late balance is above the operator's minimum, so this one pays out …
    const first = await post('/v1/agent-payments/refunds', { address: latePayer.address, issued, signature });
    expect(first.status).toBe(200);
    // … and the same signed request again is refused before anything is looked at.
    const again = await post('/v1/agent-payments/refunds', { address: latePayer.address, issued, signature });
    expect(again.status).toBe(409);
    expect(await payerBalance(latePayer.address)).toEqual({ posted: 0n, pending: 0n });
  });

  it('a payout that fails (hot wallet without tokens) is reversed: 503, the balance stays, nothing sent', async () => {
    const payer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 8 });
    await usdt.mint(payer.address, 10_000_000n);
    const body = { worst_case_micros: '100000', note: 'payout fails' };
    const challenge = await challengeFrom(await probe(body));
    const paid = await probe(body, paymentAuthorization(challenge, { type: 'transaction', signature: await signTransfer(wallet(payer), publicClient, challenge.charge) }, payer.address));
    expect(paid.status).toBe(200);
    // The chain-watcher's payout wallet is now one with gas but no USDT.
    const emptyWallet = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 2 });
    expect(await tokenBalance(emptyWallet.address)).toBe(0n);
    Object.assign(stack.env, { CHAIN_PAYOUT_PRIVATE_KEY: toHex(emptyWallet.getHdKey().privateKey!) });
    await stack.restart('chain-watcher');
    const tokensBefore = await tokenBalance(payer.address);
    const response = await requestRefund(gateway(), wallet(payer), REALM);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/balance is unchanged/) });
    expect(await payerBalance(payer.address)).toEqual({ posted: challenge.charge.amount, pending: 0n });
    expect(await tokenBalance(payer.address)).toBe(tokensBefore);
    const { rows } = await pg.query<{ kind: string; n: number }>(
      `SELECT user_data->>'kind' AS kind, count(*)::int AS n FROM ledger.transfers WHERE user_data->>'to' = $1 OR (user_data->>'kind' = 'refund_reversal' AND user_data->>'workspaceId' IN (SELECT user_data->>'workspaceId' FROM ledger.transfers WHERE user_data->>'to' = $1)) GROUP BY 1 ORDER BY 1`,
      [payer.address],
    );
    expect(rows).toEqual([{ kind: 'refund', n: 2 }, { kind: 'refund_reversal', n: 2 }]);
    Object.assign(stack.env, { CHAIN_PAYOUT_PRIVATE_KEY: toHex(operator.getHdKey().privateKey!) });
    await stack.restart('chain-watcher');
  });

  it('refund policy automatic: an idle payer balance goes back without being asked', async () => {
    // A new payer with a leftover (a late payment, so nothing was spent).
    const payer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 7 });
    await usdt.mint(payer.address, 10_000_000n);
    const body = { worst_case_micros: '100000', note: 'automatic' };
    const challenge = await challengeFrom(await probe(body));
    const paid = await probe(body, paymentAuthorization(challenge, { type: 'transaction', signature: await signTransfer(wallet(payer), publicClient, challenge.charge) }, payer.address));
    expect(paid.status).toBe(200);
    expect(await payerBalance(payer.address)).toEqual({ posted: challenge.charge.amount, pending: 0n });
    const before = await tokenBalance(payer.address);

    Object.assign(stack.env, { AGENT_PAYMENTS_REFUND_POLICY: 'automatic', AGENT_PAYMENTS_REFUND_INTERVAL_MS: '1000', AGENT_PAYMENTS_REFUND_IDLE_MS: '0' });
    await stack.restart('gateway');
    const deadline = Date.now() + 30_000;
    while ((await payerBalance(payer.address)).posted !== 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await payerBalance(payer.address)).toEqual({ posted: 0n, pending: 0n });
    const expected = challenge.charge.amount - REFUND_FEE_MICROS;
    const until = Date.now() + 15_000;
    while ((await tokenBalance(payer.address)) !== before + expected && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    expect(await tokenBalance(payer.address)).toBe(before + expected);
  });

  it('the ledger audit is balanced after all of it', async () => {
    const response = await fetch(`${gateway()}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const audit = (await response.json()) as { balanced: boolean; mismatches: unknown[] };
    expect(response.status).toBe(200);
    expect(audit).toMatchObject({ balanced: true, mismatches: [] });
  });
});
