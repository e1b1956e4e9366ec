// Sign-In with Ethereum from the browser: an injected EIP-1193 wallet, or (local chains only) a throwaway dev key.
import { getAddress, type Hex, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { api } from './api';

/** GET /api/v1/auth/discovery, the fields the sign-in page reads. */
export interface Discovery {
  siwe: { domain: string; nonce_expires_in: number };
  chain?: { chain_id: number | null; local: boolean };
}

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export function injectedWallet(): Eip1193Provider | undefined {
  return (window as unknown as { ethereum?: Eip1193Provider }).ethereum;
}

/** Signs a fresh SIWE message with `sign` and posts it; the gateway answers with the session cookies. */
async function signIn(discovery: Discovery, address: string, chainId: number, sign: (message: string) => Promise<Hex>): Promise<void> {
  const { nonce } = await api<{ nonce: string }>('/api/v1/auth/siwe/nonce', { method: 'POST', body: {} });
  const message = createSiweMessage({
    domain: discovery.siwe.domain,
    address: getAddress(address),
    statement: 'Sign in to Switchyard.',
    uri: window.location.origin,
    version: '1',
    chainId,
    nonce,
    issuedAt: new Date(),
  });
  const signature = await sign(message);
  await api('/api/v1/auth/siwe/verify', { method: 'POST', body: { message, signature } });
}

export async function signInWithInjectedWallet(discovery: Discovery, wallet: Eip1193Provider): Promise<void> {
  const accounts = (await wallet.request({ method: 'eth_requestAccounts' })) as string[];
  const address = accounts[0];
  if (!address) throw new Error('The wallet shared no account; unlock it and try again.');
  const chainId = Number(BigInt((await wallet.request({ method: 'eth_chainId' })) as string));
  await signIn(discovery, address, chainId, async (message) => (await wallet.request({ method: 'personal_sign', params: [toHex(message), address] })) as Hex);
}

const DEV_WALLET_STORAGE_KEY = 'switchyard.devWallet.privateKey';

/** The dev wallet's address if this browser has one. */
export function existingDevWalletAddress(): string | undefined {
  const key = localStorage.getItem(DEV_WALLET_STORAGE_KEY);
  return key && /^0x[0-9a-fA-F]{64}$/.test(key) ? privateKeyToAccount(key as Hex).address : undefined;
}

/** A throwaway key kept in this browser's localStorage (local dev chains only): created once, reused afterwards. */
export async function signInWithDevWallet(discovery: Discovery): Promise<string> {
  let key = localStorage.getItem(DEV_WALLET_STORAGE_KEY) as Hex | null;
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    key = generatePrivateKey();
    localStorage.setItem(DEV_WALLET_STORAGE_KEY, key);
  }
  const account = privateKeyToAccount(key);
  await signIn(discovery, account.address, discovery.chain?.chain_id ?? 31337, (message) => account.signMessage({ message }));
  return account.address;
}

/** A wallet's refusal (EIP-1193 code 4001) in words. */
export function walletErrorMessage(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 4001) return 'You declined the request in your wallet.';
  if (code === -32002) return 'Your wallet already has a request open: finish it there.';
  return undefined;
}
