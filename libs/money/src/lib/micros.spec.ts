import fc from 'fast-check';
import { microsToUsd, mulDiv, parseMicros, usdToMicros } from './micros';
import { baseUnitsToMicros, microsToBaseUnits } from './asset-units';

describe('micros', () => {
  it('parses integer strings and refuses floats', () => {
    expect(parseMicros('1500000')).toBe(1_500_000n);
    expect(() => parseMicros('1.5')).toThrow(RangeError);
    expect(() => parseMicros('1e6')).toThrow(RangeError);
    expect(() => parseMicros('')).toThrow(RangeError);
  });

  it('converts USD strings without floating point', () => {
    expect(usdToMicros('0.50')).toBe(500_000n);
    expect(usdToMicros('5')).toBe(5_000_000n);
    expect(usdToMicros('0.000001')).toBe(1n);
    expect(() => usdToMicros('0.0000001')).toThrow(RangeError);
    expect(microsToUsd(1_234_567n)).toBe('1.234567');
    expect(microsToUsd(5n)).toBe('0.000005');
  });

  it('round-trips USD strings', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), (m) => usdToMicros(microsToUsd(m)) === m));
  });

  it('mulDiv rounds once, in the stated direction', () => {
    expect(mulDiv(7n, 1n, 2n, 'ceil')).toBe(4n);
    expect(mulDiv(7n, 1n, 2n, 'floor')).toBe(3n);
    expect(mulDiv(8n, 1n, 2n, 'ceil')).toBe(4n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (a, b, c) => {
        const up = mulDiv(a, b, c, 'ceil');
        const down = mulDiv(a, b, c, 'floor');
        return down * c <= a * b && up * c >= a * b && up - down <= 1n;
      }),
    );
  });

  it('converts token base units by the asset decimals', () => {
    const usdt = { chainId: 137, tokenAddress: '0xc2132D05D31c914a87C6611C10748AEb04B58e8F' as const, decimals: 6, symbol: 'USDT' };
    const wide = { ...usdt, decimals: 18 };
    expect(baseUnitsToMicros(5_000_000n, usdt, 'floor')).toBe(5_000_000n);
    expect(baseUnitsToMicros(10n ** 18n + 1n, wide, 'floor')).toBe(1_000_000n);
    expect(baseUnitsToMicros(10n ** 18n + 1n, wide, 'ceil')).toBe(1_000_001n);
    expect(microsToBaseUnits(1n, wide, 'floor')).toBe(10n ** 12n);
  });
});
