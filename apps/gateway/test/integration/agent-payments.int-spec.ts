/**
 * Agent pay-per-request (HTTP 402, MPP evm/charge) end to end on a local chain: a real anvil with MockUSDT, ledger,
 * chain-watcher and gateway as processes, and an agent written with viem (examples/agent-402). Driven through the
 * dev/test probe route (AGENT_PAYMENTS_PROBE_ROUTE), which runs the same AgentPaymentsService the pipeline calls.
 */
import { startAnvil, startTestStack, ANVIL_TEST_MNEMONIC, type AnvilChain, type TestStack } from '@switchyard/testing';
import { Client } from 'pg';
import { type Account, type Chain, createPublicClient, createTestClient, createWalletClient, defineChain, http, type PublicClient, type Transport, type WalletClient } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { LocalUsdt } from '../../../chain-watcher/test/integration/support/local-usdt';
import { type PaymentChallenge, parsePaymentChallenge, paymentAuthorization, readReceipt, sendTransfer, signTransfer } from '../../../../examples/agent-402/agent-402.client';

jest.setTimeout(180_000);

const CHAIN_ID = 137;
const agent = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 3 });
const bystander = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 4 });
const operatorPaymentAddress = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 9 }).address;
const CHALLENGE_TTL_MS = 10_000;

describe('agent payments (402 → pay → 200) on a local chain', () => {
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
    await usdt.mint(agent.address, 1_000_000_000n);
    await usdt.mint(bystander.address, 1_000_000_000n);
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
        // Every mined block is final: the settle path still goes through the finalized check.
        CHAIN_CONFIRMATION_POLICY: 'depth:1',
        AGENT_PAYMENTS_ENABLED: 'true',
        AGENT_PAYMENTS_SECRET: 'test-secret-test-secret-test-secret-0123',
        AGENT_PAYMENTS_REALM: 'gateway.test',
        AGENT_PAYMENTS_CHAIN_ID: String(CHAIN_ID),
        AGENT_PAYMENTS_TOKEN_ADDRESS: usdt.address,
        AGENT_PAYMENTS_RECIPIENT: operatorPaymentAddress,
        AGENT_PAYMENTS_CHALLENGE_TTL_MS: String(CHALLENGE_TTL_MS),
        AGENT_PAYMENTS_FINALITY: 'finalized',
        AGENT_PAYMENTS_SETTLE_WAIT_MS: '10000',
        AGENT_PAYMENTS_PROBE_ROUTE: 'true',
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

  const probe = (body: Record<string, unknown>, authorization?: string) =>
    fetch(`${stack.url('gateway')}/v1/agent-payments/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  async function challengeFor(body: Record<string, unknown>): Promise<PaymentChallenge> {
    const response = await probe(body);
    expect(response.status).toBe(402);
    const challenge = parsePaymentChallenge(response.headers.get('www-authenticate') ?? '');
    expect(challenge).toBeDefined();
    return challenge!;
  }

  async function expect402(response: Response, problem: string) {
    const body = (await response.json()) as { type: string; detail: string; challengeId: string };
    // the detail rides along so a failure says why (it is not compared)
    expect({ status: response.status, type: body.type, detail: body.detail }).toMatchObject({ status: 402, type: `https://paymentauth.org/problems/${problem}` });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(parsePaymentChallenge(response.headers.get('www-authenticate') ?? '')).toBeDefined(); // a fresh challenge
    expect(readReceipt(response)).toBeUndefined();
    return body;
  }

  const tokenBalance = (address: `0x${string}`) => publicClient.readContract({ address: usdt.address, abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] }] as const, functionName: 'balanceOf', args: [address] });
  const agentBody = { worst_case_micros: '50000', model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] };
  let firstCredential = '';
  let firstWorkspace = '';

  it('answers 402 with the MPP challenge, problem details and no-store', async () => {
    const response = await probe(agentBody);
    expect(response.status).toBe(402);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const header = response.headers.get('www-authenticate')!;
    expect(header).toMatch(/^Payment id="[A-Za-z0-9_-]{43}", realm="gateway.test", method="evm", intent="charge", expires="[^"]+Z", description="[^"]+", digest="sha-256=:[A-Za-z0-9+/=]+:", opaque="[A-Za-z0-9_-]+", request="[A-Za-z0-9_-]+"$/);
    const challenge = parsePaymentChallenge(header)!;
    expect(challenge.charge).toMatchObject({ currency: usdt.address, recipient: operatorPaymentAddress, chainId: CHAIN_ID, decimals: 6 });
    // worst case 0.05 USDT + a per-challenge tag of 1 … 10 000 base units
    expect(challenge.charge.amount).toBeGreaterThan(50_000n);
    expect(challenge.charge.amount).toBeLessThanOrEqual(60_000n);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'https://paymentauth.org/problems/payment-required', title: 'Payment Required', status: 402, challengeId: challenge.params.id });
    expect(String(body.instructions)).toContain(operatorPaymentAddress);
  });

  it('type=transaction: the agent signs, the gateway broadcasts, books it and answers 200 with a receipt', async () => {
    const challenge = await challengeFor(agentBody);
    const before = await tokenBalance(operatorPaymentAddress);
    const signature = await signTransfer(wallet(agent), publicClient, challenge.charge);
    firstCredential = paymentAuthorization(challenge, { type: 'transaction', signature }, agent.address);
    const response = await probe(agentBody, firstCredential);
    const body = (await response.json()) as { workspace_id: string; available_micros: string };
    expect({ status: response.status, body }).toMatchObject({ status: 200 }); // a 402's problem details show on failure
    expect(response.headers.get('cache-control')).toBe('private');
    const receipt = readReceipt(response)!;
    expect(receipt).toMatchObject({ method: 'evm', status: 'success', challengeId: challenge.params.id, chainId: CHAIN_ID });
    const mined = await publicClient.getTransactionReceipt({ hash: receipt.reference });
    expect(mined.status).toBe('success');
    expect(await tokenBalance(operatorPaymentAddress)).toBe(before + challenge.charge.amount);
    // The whole payment is the payer workspace's balance (no fee configured); 6 decimals = micro-USD.
    expect(BigInt(body.available_micros)).toBe(challenge.charge.amount);
    firstWorkspace = body.workspace_id;
    const { rows } = await pg.query(`SELECT t.amount::text AS amount, t.reason FROM ledger.transfers t JOIN ledger.accounts c ON c.id = t.credit_account_id WHERE c.code = $1`, [`liability:workspace_credit:${firstWorkspace}`]);
    expect(rows).toEqual([{ amount: challenge.charge.amount.toString(), reason: 'agent_payment' }]);
  });

  it('replaying the same credential → 402, nothing booked twice', async () => {
    const body = await expect402(await probe(agentBody, firstCredential), 'invalid-challenge');
    expect(body.detail).toMatch(/already paid/);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ledger.transfers t JOIN ledger.accounts c ON c.id = t.credit_account_id WHERE c.code = $1`, [`liability:workspace_credit:${firstWorkspace}`]);
    expect(rows[0].n).toBe(1);
  });

  it('type=hash: a credential for request A used on request B → 402; on A → 200 into the same payer balance', async () => {
    const bodyA = { ...agentBody, messages: [{ role: 'user', content: 'request A' }] };
    const bodyB = { ...agentBody, messages: [{ role: 'user', content: 'request B, longer and pricier' }] };
    const challenge = await challengeFor(bodyA);
    const hash = await sendTransfer(wallet(agent), publicClient, challenge.charge);
    const credential = paymentAuthorization(challenge, { type: 'hash', hash });
    await expect402(await probe(bodyB, credential), 'invalid-challenge');
    const response = await probe(bodyA, credential);
    const body = (await response.json()) as { workspace_id: string; available_micros: string };
    expect({ status: response.status, body }).toMatchObject({ status: 200 }); // a 402's problem details show on failure
    expect(readReceipt(response)).toMatchObject({ reference: hash, challengeId: challenge.params.id });
    expect(body.workspace_id).toBe(firstWorkspace);
    expect(BigInt(body.available_micros)).toBeGreaterThan(challenge.charge.amount);
  });

  it('a tampered amount → 402 and the signed transfer is never broadcast', async () => {
    const challenge = await challengeFor(agentBody);
    const cheap = { ...challenge.charge, amount: 1n };
    const request = JSON.parse(Buffer.from(challenge.params.request, 'base64url').toString()) as Record<string, unknown>;
    const tampered: PaymentChallenge = { params: { ...challenge.params, request: Buffer.from(JSON.stringify({ ...request, amount: '1' })).toString('base64url') }, charge: cheap };
    const signature = await signTransfer(wallet(agent), publicClient, cheap);
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    await expect402(await probe(agentBody, paymentAuthorization(tampered, { type: 'transaction', signature })), 'invalid-challenge');
    // A genuine challenge with an underpaying transfer: rejected before broadcasting.
    await expect402(await probe(agentBody, paymentAuthorization(challenge, { type: 'transaction', signature })), 'payment-insufficient');
    expect(await publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head);
  });

  it('an expired challenge → 402 payment-expired', async () => {
    const challenge = await challengeFor(agentBody);
    const signature = await signTransfer(wallet(agent), publicClient, challenge.charge);
    await new Promise((resolve) => setTimeout(resolve, CHALLENGE_TTL_MS + 1_000));
    await expect402(await probe(agentBody, paymentAuthorization(challenge, { type: 'transaction', signature })), 'payment-expired');
  });

  it("a hash credential pointing at someone else's older transfer → 402", async () => {
    // Someone else's transfer to our address, mined before the challenge, of another amount …
    const older = await usdt.transfer(bystander, operatorPaymentAddress, 50_001n);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the challenge's issue second is after that block's
    const challenge = await challengeFor(agentBody);
    await expect402(await probe(agentBody, paymentAuthorization(challenge, { type: 'hash', hash: older })), 'payment-insufficient');
    // … and one of exactly the challenge's amount, in a block stamped before the challenge was issued.
    const issuedAt = Number(JSON.parse(Buffer.from(challenge.params.opaque, 'base64url').toString()).iat);
    const lastBlock = await publicClient.getBlock({ blockTag: 'latest' });
    const testClient = createTestClient({ mode: 'anvil', chain, transport: http(anvil.rpcUrl) });
    expect(Number(lastBlock.timestamp)).toBeLessThan(issuedAt);
    await testClient.setNextBlockTimestamp({ timestamp: BigInt(issuedAt - 1) });
    const sameAmount = await usdt.transfer(bystander, operatorPaymentAddress, challenge.charge.amount);
    const body = await expect402(await probe(agentBody, paymentAuthorization(challenge, { type: 'hash', hash: sameAmount })), 'verification-failed');
    expect(body.detail).toMatch(/before_challenge/);
  });

  it('through /v1/chat/completions: 402 for the worst case → pay → the answer with a receipt; billing captures the exact cost from the payer balance', async () => {
    const body = { model: 'demo/echo', messages: [{ role: 'user', content: 'pay per request' }], max_tokens: 16 };
    const chat = (authorization?: string) =>
      fetch(`${stack.url('gateway')}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
    const unpaid = await chat();
    expect(unpaid.status).toBe(402);
    const challenge = parsePaymentChallenge(unpaid.headers.get('www-authenticate') ?? '')!;
    expect(challenge).toBeDefined();
    expect(challenge.charge.amount).toBeGreaterThan(0n);

    const payer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 5 });
    await usdt.mint(payer.address, 1_000_000n);
    // An earlier test stamped blocks in the past; the payment must land in a block after the challenge was issued.
    await createTestClient({ chain, mode: 'anvil', transport: http(anvil.rpcUrl) }).setNextBlockTimestamp({ timestamp: BigInt(Math.ceil(Date.now() / 1000) + 2) });
    const signature = await signTransfer(wallet(payer), publicClient, challenge.charge);
    const paid = await chat(paymentAuthorization(challenge, { type: 'transaction', signature }, payer.address));
    expect(paid.status).toBe(200);
    expect(readReceipt(paid)).toMatchObject({ status: 'success', challengeId: challenge.params.id });
    const completion = (await paid.json()) as { choices: Array<{ message: { content: string } }>; usage: { cost_micros: string } };
    expect(completion.choices[0].message.content).toContain('pay per request');
    const cost = BigInt(completion.usage.cost_micros);
    expect(cost).toBeGreaterThan(0n);
    expect(cost).toBeLessThanOrEqual(challenge.charge.amount);

    // The payer's workspace: credited the payment, charged the exact cost once billing settles.
    const deadline = Date.now() + 20_000;
    let balance: { posted: bigint; pending: bigint } | undefined;
    while (Date.now() < deadline) {
      const { rows } = await pg.query<{ posted: string; pending: string }>(
        `SELECT (credits_posted - debits_posted)::text AS posted, debits_pending::text AS pending FROM ledger.accounts
          WHERE code LIKE 'liability:workspace_credit:%' AND id IN (SELECT credit_account_id FROM ledger.transfers WHERE reason = 'agent_payment' AND user_data::text ILIKE $1)`,
        [`%${payer.address.toLowerCase().slice(2, 12)}%`],
      );
      if (rows.length === 1 && rows[0].pending === '0') {
        balance = { posted: BigInt(rows[0].posted), pending: 0n };
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(balance?.posted).toBe(challenge.charge.amount - cost);
  });

  it('the ledger audit is balanced after all of it', async () => {
    const response = await fetch(`${stack.url('gateway')}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const audit = (await response.json()) as { balanced: boolean; mismatches: unknown[]; overdrawnAccounts: string[] };
    expect(response.status).toBe(200);
    expect(audit).toMatchObject({ balanced: true, mismatches: [] });
  });
});
