import type { TokenAsset } from '@switchyard/money';
import { chargeBaseUnits } from './payment-amount';

/**
 * x402 v2 advertisement (reference/crypto-payments.md §1.3–1.4): a `PAYMENT-REQUIRED` header next to the MPP
 * challenge, offering scheme `exact` (EIP-3009 `transferWithAuthorization`) in USDC on the same chain. Only the
 * offer: this gateway does not (yet) accept a `PAYMENT-SIGNATURE` — a client that sends one gets the 402 again.
 * Pure; standard base64 (with padding), as `@x402/core/http` encodes it.
 */

export const X402_VERSION = 2;

export interface X402Offer {
  chainId: number;
  /** The EIP-3009 token (USDC), EIP-55. */
  asset: string;
  payTo: string;
  decimals: number;
  /** The token's EIP-712 domain name and version (`extra`), so the client can sign. */
  domainName: string;
  domainVersion: string;
}

export interface X402PaymentRequirements {
  scheme: 'exact';
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: { name: string; version: string };
}

export interface X402PaymentRequired {
  x402Version: typeof X402_VERSION;
  error: string;
  resource: { url: string; description: string; mimeType: string };
  accepts: X402PaymentRequirements[];
  extensions: Record<string, never>;
}

/** The decoded `PAYMENT-REQUIRED` for a request whose worst case is `worstCaseMicros` (grossed up by the fee like MPP). */
export function x402PaymentRequired(
  offer: X402Offer,
  input: { worstCaseMicros: bigint; feeBasisPoints: number; resourceUrl: string; description: string; maxTimeoutSeconds: number },
): X402PaymentRequired {
  const asset: TokenAsset = { chainId: offer.chainId, tokenAddress: offer.asset as `0x${string}`, decimals: offer.decimals, symbol: 'USDC' };
  const amount = chargeBaseUnits(input.worstCaseMicros, input.feeBasisPoints, asset, 0n);
  return {
    x402Version: X402_VERSION,
    error: 'PAYMENT-SIGNATURE header is required',
    resource: { url: input.resourceUrl, description: input.description, mimeType: 'application/json' },
    accepts: [
      {
        scheme: 'exact',
        network: `eip155:${offer.chainId}`,
        amount: amount.toString(),
        asset: offer.asset,
        payTo: offer.payTo,
        maxTimeoutSeconds: input.maxTimeoutSeconds,
        extra: { name: offer.domainName, version: offer.domainVersion },
      },
    ],
    extensions: {},
  };
}

/** `PAYMENT-REQUIRED` value: standard base64 of the JSON. */
export function encodeX402Header(value: X402PaymentRequired): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}
