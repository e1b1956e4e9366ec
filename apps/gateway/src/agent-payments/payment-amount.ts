import { baseUnitsToMicros, mulDiv, microsToBaseUnits, type TokenAsset } from '@switchyard/money';

const BASIS_POINTS = 10_000n;

/**
 * What a challenge asks for, in token base units: the request's worst-case cost grossed up by the operator's
 * payment fee (so the net credit still covers the hold), rounded up, plus a per-challenge tag in the last base
 * units (1 … tagSpan) that makes a `hash` credential's transfer unique to its challenge.
 */
export function chargeBaseUnits(worstCaseMicros: bigint, feeBasisPoints: number, asset: TokenAsset, tag: bigint): bigint {
  if (worstCaseMicros < 0n) throw new RangeError('worst-case cost must not be negative');
  const bps = BigInt(feeBasisPoints);
  const grossMicros = bps === 0n ? worstCaseMicros : mulDiv(worstCaseMicros, BASIS_POINTS, BASIS_POINTS - bps, 'ceil');
  return microsToBaseUnits(grossMicros, asset, 'ceil') + tag;
}

export interface PaymentSplit {
  grossMicros: bigint;
  feeMicros: bigint;
  netMicros: bigint;
}

/** The booking of a settled payment: gross (floored to micros) from the crypto asset, fee (rounded up) to revenue. */
export function splitPayment(amountBaseUnits: bigint, feeBasisPoints: number, asset: TokenAsset): PaymentSplit {
  const grossMicros = baseUnitsToMicros(amountBaseUnits, asset, 'floor');
  const feeMicros = mulDiv(grossMicros, BigInt(feeBasisPoints), BASIS_POINTS, 'ceil');
  return { grossMicros, feeMicros, netMicros: grossMicros - feeMicros };
}
