import { pbkdf2Sync } from 'node:crypto';
import { HDKey, mnemonicToAccount } from 'viem/accounts';
import { XpubDerivation } from './xpub-derivation';

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const master = HDKey.fromMasterSeed(pbkdf2Sync(MNEMONIC, 'mnemonic', 2048, 64, 'sha512'));

describe('XpubDerivation', () => {
  it('derives from the account xpub exactly the addresses the operator’s seed gives', () => {
    const derivation = new XpubDerivation(master.derive("m/44'/60'/0'/0").publicExtendedKey);
    for (const index of [0, 1, 7, 1234]) {
      expect(derivation.address(index)).toBe(mnemonicToAccount(MNEMONIC, { addressIndex: index }).address);
    }
  });

  it('refuses a private extended key', () => {
    expect(() => new XpubDerivation(master.derive("m/44'/60'/0'/0").privateExtendedKey)).toThrow(/public key/);
  });
});
