import { ECDH } from 'node:crypto';
import { getAddress, type Address } from 'viem';
import { HDKey, publicKeyToAddress } from 'viem/accounts';

/**
 * Deposit address i = child i of the operator's account-level extended public key (m/44'/60'/0'/0).
 * Equals mnemonicToAccount(mnemonic, { addressIndex: i }).address on the operator's side.
 */
export class XpubDerivation {
  private readonly root: HDKey;

  constructor(xpub: string) {
    this.root = HDKey.fromExtendedKey(xpub);
    if (this.root.privateKey) throw new Error('CHAIN_DEPOSIT_XPUB must be a public key; the seed never reaches the service');
  }

  address(index: number): Address {
    const child = this.root.deriveChild(index);
    if (!child.publicKey) throw new Error(`no public key at index ${index}`);
    // HDKey yields the 33-byte compressed key; publicKeyToAddress needs the 65-byte uncompressed form.
    const uncompressed = ECDH.convertKey(Buffer.from(child.publicKey), 'secp256k1', undefined, 'hex', 'uncompressed') as string;
    return getAddress(publicKeyToAddress(`0x${uncompressed}`));
  }
}
