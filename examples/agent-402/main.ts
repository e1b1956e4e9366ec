/**
 * An agent that pays per request: POST /v1/chat/completions without an API key, pay the 402 challenge in USDT, get
 * the answer and a Payment-Receipt. Run against `make up` (local anvil chain) with:
 *
 *   node -r @swc-node/register examples/agent-402/main.ts "Say hi"
 *   node -r @swc-node/register examples/agent-402/main.ts --refund     # pay back my leftover balance
 *
 * The agent first tries to pay from its address's leftover balance (a signed `balance` credential, no transfer);
 * when that is too low it pays the fresh challenge on chain. Set PREFER_BALANCE=false to always pay on chain.
 * Env: GATEWAY_URL (http://127.0.0.1:8080), RPC_URL (http://127.0.0.1:8545), CHAIN_ID (137),
 * AGENT_PRIVATE_KEY (anvil account 3 by default — local chain only), MODEL, CREDENTIAL_TYPE (transaction|hash),
 * MAX_PAY_BASE_UNITS (1000000 = 1 USDT: the agent never pays more than this for one request), PREFER_BALANCE (true),
 * REALM (switchyard: the gateway's AGENT_PAYMENTS_REALM, for --refund).
 */
import { createPublicClient, createWalletClient, defineChain, type Hex, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type CredentialType, fetchPaying, readReceipt, requestRefund } from './agent-402.client';

async function main(): Promise<void> {
  const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';
  const rpcUrl = process.env.RPC_URL ?? 'http://127.0.0.1:8545';
  const chainId = Number(process.env.CHAIN_ID ?? 137);
  const key = (process.env.AGENT_PRIVATE_KEY ?? '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6') as Hex;
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'POL', symbol: 'POL', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(rpcUrl) });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) }) as PublicClient;

  if (process.argv[2] === '--refund') {
    const refund = await requestRefund(gateway, wallet as never, process.env.REALM ?? 'switchyard');
    console.log(`HTTP ${refund.status}`);
    console.log(JSON.stringify(await refund.json(), null, 2));
    if (!refund.ok) process.exitCode = 1;
    return;
  }

  const body = JSON.stringify({ model: process.env.MODEL ?? 'demo/echo', max_tokens: 64, messages: [{ role: 'user', content: process.argv[2] ?? 'Say hi' }] });
  const response = await fetchPaying(
    `${gateway}/v1/chat/completions`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    { wallet: wallet as never, publicClient, type: (process.env.CREDENTIAL_TYPE as CredentialType) ?? 'transaction', maxAmount: BigInt(process.env.MAX_PAY_BASE_UNITS ?? '1000000'), preferBalance: process.env.PREFER_BALANCE !== 'false' },
  );
  console.log(`HTTP ${response.status}`);
  const receipt = readReceipt(response);
  if (receipt) console.log(receipt.reference.startsWith('balance:') ? `paid from balance (challenge ${receipt.challengeId})` : `paid: tx ${receipt.reference} (challenge ${receipt.challengeId})`);
  console.log(JSON.stringify(await response.json(), null, 2));
  if (!response.ok) process.exitCode = 1;
}

void main();
