import { formatCost, formatUsd, parseUsdToMicros } from './money';

describe('dashboard money formatting', () => {
  it('formats micro-USD strings exactly, with thousands separators', () => {
    expect(formatUsd('10000000')).toBe('$10.00');
    expect(formatUsd('1234567890000')).toBe('$1,234,567.89');
    expect(formatUsd('500000')).toBe('$0.50');
    expect(formatUsd('-2500000')).toBe('-$2.50');
    expect(formatUsd(undefined)).toBe('—');
  });

  it('rounds half away from zero at the requested precision without float drift', () => {
    expect(formatUsd('5000', 2)).toBe('$0.01');
    expect(formatUsd('4999', 2)).toBe('$0.00');
    expect(formatUsd('-4999', 2)).toBe('$0.00');
    expect(formatUsd('9007199254740993123', 6)).toBe('$9,007,199,254,740.993123');
  });

  it('shows sub-cent request costs with six decimals', () => {
    expect(formatCost('123')).toBe('$0.000123');
    expect(formatCost('1234567')).toBe('$1.2346');
    expect(formatCost('0')).toBe('$0.0000');
  });

  it('parses typed dollar amounts to micros, refusing junk', () => {
    expect(parseUsdToMicros('12.5')).toBe(12_500_000n);
    expect(parseUsdToMicros('$0.000001')).toBe(1n);
    expect(parseUsdToMicros('1e3')).toBeUndefined();
    expect(parseUsdToMicros('0.0000001')).toBeUndefined();
    expect(parseUsdToMicros('-1')).toBeUndefined();
  });
});
