import { availableBalance, postedBalance } from './normal-balance';

describe('normal balance', () => {
  it('reads liabilities, equity and revenue credit-normal, assets and expenses debit-normal', () => {
    expect(postedBalance('liability', 300n, 1_000n)).toBe(700n);
    expect(postedBalance('revenue', 0n, 42n)).toBe(42n);
    expect(postedBalance('equity', 1_000n, 0n)).toBe(-1_000n);
    expect(postedBalance('asset', 500n, 100n)).toBe(400n);
    expect(postedBalance('expense', 30n, 0n)).toBe(30n);
  });

  it('subtracts the pending side that would reduce the balance', () => {
    const credit = { code: 'liability:workspace_credit:x', type: 'liability' as const, debitsPending: 200n, debitsPosted: 300n, creditsPending: 999n, creditsPosted: 1_000n };
    expect(availableBalance(credit)).toBe(500n);
    const asset = { code: 'asset:x:y', type: 'asset' as const, debitsPending: 999n, debitsPosted: 500n, creditsPending: 100n, creditsPosted: 0n };
    expect(availableBalance(asset)).toBe(400n);
  });
});
