/** Integer micro-USD (1 USD = 1_000_000). Never a float; a decimal string on the wire. */
export type Micros = bigint;

export const MICROS_PER_USD = 1_000_000n;
const MICROS_PATTERN = /^-?\d{1,30}$/;

/** Parses a decimal-integer string ("1500000") into micros; rejects floats, blanks and exponents. */
export function parseMicros(value: string): Micros {
  if (!MICROS_PATTERN.test(value)) throw new RangeError(`not an integer micro-USD amount: ${JSON.stringify(value)}`);
  return BigInt(value);
}

export function formatMicros(value: Micros): string {
  return value.toString();
}

/** "0.50" → 500000n. Up to six decimals; more precision than a micro-dollar is refused, not rounded. */
export function usdToMicros(usd: string): Micros {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (!match) throw new RangeError(`not a USD amount with at most 6 decimals: ${JSON.stringify(usd)}`);
  const [, sign, whole, fraction = ''] = match;
  const micros = BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micros : micros;
}

/** 1234567n → "1.234567" (always six decimals; for display and the OpenRouter-style `cost` field). */
export function microsToUsd(value: Micros): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / MICROS_PER_USD;
  const fraction = (abs % MICROS_PER_USD).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export type Rounding = 'ceil' | 'floor';

/** a × b / c with one explicit rounding; all operands non-negative. */
export function mulDiv(a: bigint, b: bigint, c: bigint, rounding: Rounding): bigint {
  if (c <= 0n) throw new RangeError('mulDiv divisor must be positive');
  if (a < 0n || b < 0n) throw new RangeError('mulDiv operands must be non-negative');
  const product = a * b;
  const quotient = product / c;
  if (rounding === 'ceil' && product % c !== 0n) return quotient + 1n;
  return quotient;
}

export function minMicros(a: Micros, b: Micros): Micros {
  return a < b ? a : b;
}

export function maxMicros(a: Micros, b: Micros): Micros {
  return a > b ? a : b;
}
