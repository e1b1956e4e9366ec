import { mulDiv, type Micros, type Rounding } from './micros';

/** An on-chain token amount in its own base units, always with the asset it belongs to. */
export interface TokenAsset {
  chainId: number;
  tokenAddress: `0x${string}`;
  decimals: number;
  symbol: string;
}

const MICROS_DECIMALS = 6;

/** Converts token base units to micro-USD under the asset's 1:1 USD peg; the only such conversion. */
export function baseUnitsToMicros(baseUnits: bigint, asset: TokenAsset, rounding: Rounding): Micros {
  if (asset.decimals === MICROS_DECIMALS) return baseUnits;
  if (asset.decimals > MICROS_DECIMALS) {
    return mulDiv(baseUnits, 1n, 10n ** BigInt(asset.decimals - MICROS_DECIMALS), rounding);
  }
  return baseUnits * 10n ** BigInt(MICROS_DECIMALS - asset.decimals);
}

export function microsToBaseUnits(amountMicros: Micros, asset: TokenAsset, rounding: Rounding): bigint {
  if (asset.decimals === MICROS_DECIMALS) return amountMicros;
  if (asset.decimals > MICROS_DECIMALS) return amountMicros * 10n ** BigInt(asset.decimals - MICROS_DECIMALS);
  return mulDiv(amountMicros, 1n, 10n ** BigInt(MICROS_DECIMALS - asset.decimals), rounding);
}
