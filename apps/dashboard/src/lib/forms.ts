import { parseUsdToMicros } from './money';

/** The API's cap on micro-USD strings (at most 15 digits). */
export const MICROS_MAX = 10n ** 15n;

/** A key's credit-limit windows (keys.schemas.ts, guardrail-policy.ts). */
export const RESET_OPTIONS = [
  { value: 'never', label: 'Never (a lifetime limit)' },
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
];

/** A dollar input checked with the API's rule; empty means "no limit". */
export function usdField(text: string): { micros?: bigint; error?: string } {
  if (!text.trim()) return {};
  const micros = parseUsdToMicros(text);
  if (micros === undefined) return { error: 'A dollar amount like 5 or 0.25 (at most 6 decimals)' };
  if (micros >= MICROS_MAX) return { error: 'At most $999,999,999.999999' };
  return { micros };
}

/** micro-USD → the dollar text a person would type ("0.05"), exactly (bigint only). */
export function microsToInput(micros: string | null | undefined): string {
  if (!micros) return '';
  const value = BigInt(micros);
  const whole = value / 1_000_000n;
  const fraction = (value % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction.padEnd(2, '0')}` : whole.toString();
}
