import { formatBasisPoints } from './chain';
import { MICROS_MAX, microsToInput, usdField } from './forms';
import { safeNext } from './navigation';

describe('dashboard form helpers', () => {
  it('parses dollar inputs with the API rule: up to 6 decimals, below 10^15 micro-USD, empty = no limit', () => {
    expect(usdField('')).toEqual({});
    expect(usdField('0.05')).toEqual({ micros: 50_000n });
    expect(usdField('$2.5')).toEqual({ micros: 2_500_000n });
    expect(usdField('0.1234567').error).toMatch(/6 decimals/);
    expect(usdField('-1').error).toBeDefined();
    expect(usdField('1e3').error).toBeDefined();
    expect(usdField('999999999.999999')).toEqual({ micros: MICROS_MAX - 1n });
  });

  it('shows stored micro-USD back as the dollars a person types, exactly', () => {
    expect(microsToInput(undefined)).toBe('');
    expect(microsToInput('50000')).toBe('0.05');
    expect(microsToInput('500000')).toBe('0.50');
    expect(microsToInput('1')).toBe('0.000001');
    expect(microsToInput('12000000')).toBe('12');
    expect(microsToInput('999999999999999')).toBe('999999999.999999');
    for (const micros of ['1', '50000', '1234567', '999999999999999']) expect(usdField(microsToInput(micros)).micros).toBe(BigInt(micros));
  });

  it('spells out basis points as a percentage', () => {
    expect(formatBasisPoints(500)).toBe('5 %');
    expect(formatBasisPoints(125)).toBe('1.25 %');
    expect(formatBasisPoints(50)).toBe('0.5 %');
    expect(formatBasisPoints(0)).toBe('0 %');
  });

  it('returns after sign-in only to a path inside the dashboard', () => {
    expect(safeNext('/device?user_code=BCDF-GHJK')).toBe('/device?user_code=BCDF-GHJK');
    expect(safeNext(null)).toBe('/credits');
    expect(safeNext('https://evil.example')).toBe('/credits');
    expect(safeNext('//evil.example')).toBe('/credits');
    expect(safeNext('/\\evil.example')).toBe('/credits');
    expect(safeNext('/sign-in?next=/keys')).toBe('/credits');
  });
});
