import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANVIL_TEST_MNEMONIC, type AnvilChain } from '@switchyard/testing';
import { type Address, getAddress, createPublicClient, createTestClient, createWalletClient, defineChain, type Hash, http, type PublicClient } from 'viem';
import { HDKey, mnemonicToAccount } from 'viem/accounts';

const artifact = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'dev', 'mock-usdt.json'), 'utf8')) as { abi: readonly unknown[]; bytecode: `0x${string}` };

/** The operator's treasury mnemonic (tests only): the service receives only the xpub derived from it. */
export const TREASURY_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

export function treasuryXpub(mnemonic = TREASURY_MNEMONIC): string {
  const seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  return HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0").publicExtendedKey;
}

export const treasuryAddress = (index: number) => mnemonicToAccount(TREASURY_MNEMONIC, { addressIndex: index }).address;

export const deployer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 0 });
export const payer = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 1 });
export const attacker = mnemonicToAccount(ANVIL_TEST_MNEMONIC, { addressIndex: 2 });
type Account = typeof payer;

/** A MockUSDT (6 decimals) on a local anvil, and the chain moves a test needs. */
export class LocalUsdt {
  readonly client: PublicClient;
  private readonly testClient;
  private readonly chain;

  private constructor(readonly anvil: AnvilChain, readonly address: Address) {
    this.chain = defineChain({ id: anvil.chainId, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } });
    this.client = createPublicClient({ chain: this.chain, transport: http(anvil.rpcUrl), pollingInterval: 50 }) as PublicClient;
    this.testClient = createTestClient({ mode: 'anvil', chain: this.chain, transport: http(anvil.rpcUrl) });
  }

  static async deploy(anvil: AnvilChain, from: Account = deployer): Promise<LocalUsdt> {
    const wallet = createWalletClient({ account: from, transport: http(anvil.rpcUrl), chain: defineChain({ id: anvil.chainId, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } }) });
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [] });
    const client = createPublicClient({ transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const receipt = await client.waitForTransactionReceipt({ hash });
    return new LocalUsdt(anvil, getAddress(receipt.contractAddress!));
  }

  private wallet(account: Account) {
    return createWalletClient({ account, chain: this.chain, transport: http(this.anvil.rpcUrl) });
  }

  async call(account: Account, functionName: 'mint' | 'transfer' | 'multiTransfer', args: unknown[]): Promise<Hash> {
    const hash = await this.wallet(account).writeContract({ address: this.address, abi: artifact.abi, functionName, args } as never);
    await this.client.waitForTransactionReceipt({ hash });
    return hash;
  }

  mint(to: Address, baseUnits: bigint) {
    return this.call(deployer, 'mint', [to, baseUnits]);
  }

  transfer(from: Account, to: Address, baseUnits: bigint) {
    return this.call(from, 'transfer', [to, baseUnits]);
  }

  multiTransfer(from: Account, to: Address[], baseUnits: bigint[]) {
    return this.call(from, 'multiTransfer', [to, baseUnits]);
  }

  mine(blocks: number) {
    return this.testClient.mine({ blocks });
  }

  snapshot() {
    return this.testClient.snapshot();
  }

  revert(id: `0x${string}`) {
    return this.testClient.revert({ id });
  }

  async head(): Promise<bigint> {
    return this.client.getBlockNumber({ cacheTime: 0 });
  }

  async finalized(): Promise<bigint> {
    return (await this.client.getBlock({ blockTag: 'finalized' })).number!;
  }
}
