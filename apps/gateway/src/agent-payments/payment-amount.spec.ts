import type { TokenAsset } from '@switchyard/money';
import { chargeBaseUnits, splitPayment } from './payment-amount';

const usdt: TokenAsset = { chainId: 137, tokenAddress: '0xc2132D05D31c914a87C6611C10748AEb04B58e8F', decimals: 6, symbol: 'USDT' };
const eighteen: TokenAsset = { ...usdt, decimals: 18 };

describe('agent payment amounts', () => {
  it('charges the worst case plus the tag, in base units', () => {
    expect(chargeBaseUnits(50_000n, 0, usdt, 7n)).toBe(50_007n);
    expect(chargeBaseUnits(1n, 0, eighteen, 1n)).toBe(1_000_000_000_001n);
  });

  it('grosses up for a fee so the net still covers the worst case', () => {
    const charged = chargeBaseUnits(95_000n, 500, usdt, 0n);
    expect(charged).toBe(100_000n);
    expect(splitPayment(charged, 500, usdt)).toEqual({ grossMicros: 100_000n, feeMicros: 5_000n, netMicros: 95_000n });
    const odd = chargeBaseUnits(33_333n, 300, usdt, 0n);
    expect(splitPayment(odd, 300, usdt).netMicros).toBeGreaterThanOrEqual(33_333n);
  });

  it('books gross floored to micros, fee rounded up', () => {
    expect(splitPayment(1_999_999_999_999n, 0, eighteen)).toEqual({ grossMicros: 1n, feeMicros: 0n, netMicros: 1n });
    expect(splitPayment(3n, 1, usdt)).toEqual({ grossMicros: 3n, feeMicros: 1n, netMicros: 2n });
  });
});
