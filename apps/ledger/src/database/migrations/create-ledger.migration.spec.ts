import { SYSTEM_ACCOUNTS } from '@switchyard/contracts';
import { MIGRATED_SYSTEM_ACCOUNTS } from './1767225600000-create-ledger';

describe('create-ledger migration', () => {
  it('creates every system account of the contract, typed by its code', () => {
    expect(MIGRATED_SYSTEM_ACCOUNTS.map(([code]) => code).sort()).toEqual(Object.values(SYSTEM_ACCOUNTS).sort());
    for (const [code, type] of MIGRATED_SYSTEM_ACCOUNTS) expect(code.split(':')[0]).toBe(type);
  });
});
