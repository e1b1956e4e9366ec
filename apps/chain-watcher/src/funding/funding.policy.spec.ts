import { splitFunding } from './funding.policy';

describe('splitFunding', () => {
  it('takes 5 % rounded up in base units and credits the rest', () => {
    expect(splitFunding(12_345_678n, 500)).toEqual({ grossBaseUnits: 12_345_678n, feeBaseUnits: 617_284n, netBaseUnits: 11_728_394n });
    expect(splitFunding(10_000_000n, 500)).toEqual({ grossBaseUnits: 10_000_000n, feeBaseUnits: 500_000n, netBaseUnits: 9_500_000n });
    expect(splitFunding(5_000_001n, 500).feeBaseUnits).toBe(250_001n);
  });

  it('never lets fee + net differ from the gross', () => {
    for (const gross of [1n, 19n, 20n, 21n, 5_000_000n, 999_999_999_999n]) {
      const split = splitFunding(gross, 500);
      expect(split.feeBaseUnits + split.netBaseUnits).toBe(gross);
      expect(split.feeBaseUnits * 10_000n).toBeGreaterThanOrEqual(gross * 500n);
    }
  });
});
