import { mulDiv } from '@switchyard/money';

export interface FundingSplit {
  grossBaseUnits: bigint;
  feeBaseUnits: bigint;
  netBaseUnits: bigint;
}

/** Funding fee in basis points of the gross, rounded up once in token base units; the rest is credited. */
export function splitFunding(grossBaseUnits: bigint, feeBasisPoints: number): FundingSplit {
  const feeBaseUnits = mulDiv(grossBaseUnits, BigInt(feeBasisPoints), 10_000n, 'ceil');
  return { grossBaseUnits, feeBaseUnits, netBaseUnits: grossBaseUnits - feeBaseUnits };
}
