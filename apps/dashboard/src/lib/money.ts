// Money arrives as micro-USD decimal strings; formatting stays in bigint so no float ever rounds a cent.
const MICROS_PER_USD = 1_000_000n;

/** "$1,234.56" from micro-USD; `fractionDigits` (2–6) decides how many decimals, rounding half away from zero. */
export function formatUsd(micros: string | bigint | null | undefined, fractionDigits = 2): string {
  if (micros === null || micros === undefined || micros === '') return '—';
  const value = typeof micros === 'bigint' ? micros : BigInt(micros);
  const digits = Math.min(6, Math.max(0, fractionDigits));
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const unit = 10n ** BigInt(6 - digits);
  const rounded = (magnitude + unit / 2n) / unit; // in units of 10^-digits USD
  const scale = 10n ** BigInt(digits);
  const whole = (rounded / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits > 0 ? `.${(rounded % scale).toString().padStart(digits, '0')}` : '';
  return `${negative && rounded !== 0n ? '-' : ''}$${whole}${fraction}`;
}

/** Enough decimals to show a per-request cost that is below a cent ("$0.000123"). */
export function formatCost(micros: string | bigint | null | undefined): string {
  if (micros === null || micros === undefined || micros === '') return '—';
  const value = typeof micros === 'bigint' ? micros : BigInt(micros);
  return formatUsd(value, value !== 0n && (value < 0n ? -value : value) < 10_000n ? 6 : 4);
}

/** Parses a user-typed dollar amount ("12.5") into micro-USD without floats; undefined when not a valid amount. */
export function parseUsdToMicros(text: string): bigint | undefined {
  const match = /^\s*\$?(\d{1,12})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!match) return undefined;
  return BigInt(match[1]) * MICROS_PER_USD + BigInt((match[2] ?? '').padEnd(6, '0'));
}
