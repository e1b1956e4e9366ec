import { mulDiv } from '@switchyard/money';
import type { EndpointPrice } from './price-table';

/**
 * The price a bring-your-own-key request pays us: the platform fee, `basisPoints` of the inference price (each rate
 * rounded up once), because the provider bills the workspace's own key. The gateway's holds and billing's capture
 * both price BYOK requests with this, so they agree to the micro-dollar.
 */
export function byokFeePrice(price: EndpointPrice, basisPoints: number): EndpointPrice {
  const scale = (micros: bigint) => mulDiv(micros, BigInt(basisPoints), 10_000n, 'ceil');
  return {
    ...price,
    inputMicrosPerMtok: scale(price.inputMicrosPerMtok),
    outputMicrosPerMtok: scale(price.outputMicrosPerMtok),
    cacheReadMicrosPerMtok: scale(price.cacheReadMicrosPerMtok),
    cacheWriteMicrosPerMtok: scale(price.cacheWriteMicrosPerMtok),
    reasoningMicrosPerMtok: scale(price.reasoningMicrosPerMtok),
    requestMicros: scale(price.requestMicros),
    imageMicros: scale(price.imageMicros),
  };
}
