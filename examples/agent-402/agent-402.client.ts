/**
 * A minimal MPP (`WWW-Authenticate: Payment`, method `evm`, intent `charge`) client for agents, with viem.
 * Self-contained on purpose: copy this file into an agent. See README.md for the wire walkthrough.
 */
import { type Account, type Address, type Chain, encodeFunctionData, erc20Abi, type Hash, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem';

export interface PaymentChallenge {
  /** The auth-params exactly as received; echoed back verbatim in the credential. */
  params: Record<string, string>;
  charge: { amount: bigint; currency: Address; recipient: Address; chainId: number; decimals: number; externalId?: string };
}

export type CredentialType = 'transaction' | 'hash';
export type PaymentPayload = { type: 'transaction'; signature: Hex } | { type: 'hash'; hash: Hash } | { type: 'balance'; signature: Hex };
type Wallet = WalletClient<Transport, Chain, Account>;

/** Parses `Payment id="…", realm="…", …` (quoted or token values). */
export function parsePaymentChallenge(header: string): PaymentChallenge | undefined {
  const scheme = /^\s*Payment\s+/i.exec(header);
  if (!scheme) return undefined;
  const params: Record<string, string> = {};
  const re = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))\s*,?\s*/g;
  for (const match of header.slice(scheme[0].length).matchAll(re)) params[match[1].toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
  if (params.method !== 'evm' || params.intent !== 'charge' || !params.request) return undefined;
  const request = JSON.parse(Buffer.from(params.request, 'base64url').toString('utf8')) as {
    amount: string;
    currency: Address;
    recipient: Address;
    externalId?: string;
    methodDetails: { chainId: number; decimals?: number };
  };
  return {
    params,
    charge: { amount: BigInt(request.amount), currency: request.currency, recipient: request.recipient, chainId: request.methodDetails.chainId, decimals: request.methodDetails.decimals ?? 6, externalId: request.externalId },
  };
}

/** `Authorization: Payment <base64url JSON {challenge, source, payload}>`. */
export function paymentAuthorization(challenge: PaymentChallenge, payload: PaymentPayload, payer?: Address): string {
  const { id, realm, method, intent, request, expires, digest, opaque, description } = challenge.params;
  const credential = {
    challenge: { id, realm, method, intent, request, expires, digest, opaque, description },
    ...(payer ? { source: `did:pkh:eip155:${challenge.charge.chainId}:${payer}` } : {}),
    payload,
  };
  return `Payment ${Buffer.from(JSON.stringify(credential)).toString('base64url')}`;
}

/** `transaction`: sign `transfer(recipient, amount)` and hand it over; the server broadcasts it. */
export async function signTransfer(wallet: Wallet, publicClient: PublicClient, charge: PaymentChallenge['charge']): Promise<Hex> {
  const request = await publicClient.prepareTransactionRequest({
    account: wallet.account,
    chain: wallet.chain,
    to: charge.currency,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [charge.recipient, charge.amount] }),
  });
  return wallet.signTransaction(request as Parameters<Wallet['signTransaction']>[0]);
}

/** `hash`: broadcast the transfer yourself and wait for its receipt. */
export async function sendTransfer(wallet: Wallet, publicClient: PublicClient, charge: PaymentChallenge['charge']): Promise<Hash> {
  const hash = await wallet.writeContract({ address: charge.currency, abi: erc20Abi, functionName: 'transfer', args: [charge.recipient, charge.amount], chain: wallet.chain, account: wallet.account });
  await publicClient.waitForTransactionReceipt({ hash });
  return hash;
}

/** The text a payer signs (EIP-191) to pay a challenge from its leftover balance (Switchyard's `balance` credential). */
export function balanceMessage(challenge: PaymentChallenge): string {
  return `Switchyard agent payment from balance\nrealm: ${challenge.params.realm}\nchallenge: ${challenge.params.id}`;
}

/** `balance`: no transfer — sign the challenge with the paying address; the gateway spends that address's balance. */
export async function balanceAuthorization(wallet: Wallet, challenge: PaymentChallenge): Promise<string> {
  const signature = await wallet.signMessage({ account: wallet.account, message: balanceMessage(challenge) });
  return paymentAuthorization(challenge, { type: 'balance', signature }, wallet.account.address);
}

/** The text a payer signs (EIP-191) to get its leftover balance paid back. */
export function refundMessage(realm: string, chainId: number, address: Address, issued: string): string {
  return `Switchyard agent payment refund\nrealm: ${realm}\nchain: ${chainId}\naddress: ${address}\nissued: ${issued}`;
}

/**
 * POST /v1/agent-payments/refunds: the whole leftover balance of the wallet's address, less the operator's refund
 * fee, is sent back on chain (when the operator's refund policy allows it). `realm` is the challenges' realm.
 */
export async function requestRefund(gatewayUrl: string, wallet: Wallet, realm: string): Promise<Response> {
  const issued = new Date().toISOString();
  const address = wallet.account.address;
  const signature = await wallet.signMessage({ account: wallet.account, message: refundMessage(realm, wallet.chain.id, address, issued) });
  return fetch(`${gatewayUrl}/v1/agent-payments/refunds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, issued, signature }) });
}

/**
 * fetch() that answers one 402 by paying it: the same request is sent again with the credential. The body must be
 * the same (it is bound to the challenge by `digest`). Returns the final response.
 */
export async function fetchPaying(
  url: string,
  init: { method: string; headers?: Record<string, string>; body: string },
  options: { wallet: Wallet; publicClient: PublicClient; type?: CredentialType; maxAmount: bigint; preferBalance?: boolean },
): Promise<Response> {
  const first = await fetch(url, init);
  if (first.status !== 402) return first;
  let challenge = parsePaymentChallenge(first.headers.get('www-authenticate') ?? '');
  if (!challenge) return first;
  if (options.preferBalance) {
    // Leftover from earlier payments first; a 402 (balance too low) carries a fresh challenge to pay on chain.
    const fromBalance = await fetch(url, { ...init, headers: { ...init.headers, authorization: await balanceAuthorization(options.wallet, challenge) } });
    if (fromBalance.status !== 402) return fromBalance;
    challenge = parsePaymentChallenge(fromBalance.headers.get('www-authenticate') ?? '');
    if (!challenge) return fromBalance;
  }
  if (challenge.charge.amount > options.maxAmount) throw new Error(`the server asks ${challenge.charge.amount} base units, more than maxAmount ${options.maxAmount}`);
  if (challenge.charge.chainId !== options.wallet.chain.id) throw new Error(`the server asks for chain ${challenge.charge.chainId}`);
  const payload =
    (options.type ?? 'transaction') === 'transaction'
      ? ({ type: 'transaction', signature: await signTransfer(options.wallet, options.publicClient, challenge.charge) } as const)
      : ({ type: 'hash', hash: await sendTransfer(options.wallet, options.publicClient, challenge.charge) } as const);
  return fetch(url, { ...init, headers: { ...init.headers, authorization: paymentAuthorization(challenge, payload, options.wallet.account.address) } });
}

/** The decoded `Payment-Receipt` header. */
export function readReceipt(response: Response): { method: string; status: string; reference: Hash; challengeId: string; chainId: number; timestamp: string } | undefined {
  const value = response.headers.get('payment-receipt');
  return value ? JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) : undefined;
}
