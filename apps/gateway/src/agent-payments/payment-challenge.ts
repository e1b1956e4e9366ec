import { z } from 'zod';
import { viem } from '../wallets/viem';
import {
  base64UrlDecode,
  type ChallengeBinding,
  challengeId,
  challengeIdMatches,
  decodeJsonParam,
  encodeJsonParam,
  formatPaymentChallenge,
} from './payment-auth.codec';

/**
 * MPP `evm` method, `charge` intent (reference/crypto-payments.md §2.5–2.6): issuing a challenge and checking the
 * challenge a credential echoes back. Pure: the clock and the secret are passed in.
 */

export const PAYMENT_METHOD = 'evm';
export const PAYMENT_INTENT = 'charge';
export const CREDENTIAL_TYPES = ['transaction', 'hash'] as const;

export const PROBLEM_TYPES = {
  'payment-required': 'Payment Required',
  'payment-insufficient': 'Payment Insufficient',
  'payment-expired': 'Payment Expired',
  'verification-failed': 'Payment Verification Failed',
  'malformed-credential': 'Malformed Payment Credential',
  'invalid-challenge': 'Invalid Payment Challenge',
} as const;
export type ProblemType = keyof typeof PROBLEM_TYPES;

/** What this deployment charges in (from the operator's env). */
export interface ChargeTerms {
  realm: string;
  chainId: number;
  /** ERC-20 contract (EIP-55). */
  currency: string;
  decimals: number;
  /** The operator's payment address (EIP-55), never a workspace deposit address. */
  recipient: string;
  symbol: string;
}

export interface IssuedChallenge {
  id: string;
  realm: string;
  method: typeof PAYMENT_METHOD;
  intent: typeof PAYMENT_INTENT;
  request: string;
  expires: string;
  digest?: string;
  opaque: string;
  description?: string;
  amountBaseUnits: bigint;
  issuedAtSeconds: number;
  worstCaseMicros?: bigint;
  /** The `WWW-Authenticate` value. */
  header: string;
}

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const UintString = z.string().regex(/^\d{1,78}$/);

export const ChargeRequestSchema = z.object({
  amount: UintString,
  currency: Address,
  recipient: Address,
  externalId: z.string().max(100).optional(),
  description: z.string().max(500).optional(),
  methodDetails: z.object({
    chainId: z.number().int().min(1),
    decimals: z.number().int().min(0).max(36).optional(),
    credentialTypes: z.array(z.string()).max(8).optional(),
  }),
});

/** `iat`: issue time (unix seconds); `wc`: the request's worst-case cost in micro-USD (what a balance credential must cover). */
const OpaqueSchema = z.object({ iat: z.string().regex(/^\d{1,12}$/), wc: z.string().regex(/^\d{1,15}$/).optional() });

export const EchoedChallengeSchema = z.object({
  id: z.string().min(1).max(100),
  realm: z.string().max(200),
  method: z.string().max(50),
  intent: z.string().max(50),
  request: z.string().max(4_096),
  expires: z.string().max(40).optional(),
  digest: z.string().max(200).optional(),
  opaque: z.string().max(1_024).optional(),
  description: z.string().max(500).optional(),
});

const Hex = z.string().regex(/^0x[0-9a-fA-F]{2,16000}$/);
export const PaymentCredentialSchema = z.object({
  challenge: EchoedChallengeSchema,
  source: z.string().max(200).optional(),
  payload: z.discriminatedUnion('type', [
    z.object({ type: z.literal('transaction'), signature: Hex }),
    z.object({ type: z.literal('hash'), hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/) }),
    /** Switchyard extension: pay from the `source` address's leftover balance; EIP-191 signature of balanceMessage(). */
    z.object({ type: z.literal('balance'), signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/) }),
  ]),
});
export type PaymentCredential = z.output<typeof PaymentCredentialSchema>;

export function issueChallenge(
  terms: ChargeTerms,
  input: { amountBaseUnits: bigint; digest?: string; nowMs: number; ttlMs: number; externalId: string; description?: string; worstCaseMicros?: bigint },
  secret: string,
): IssuedChallenge {
  const issuedAtSeconds = Math.floor(input.nowMs / 1000);
  // Whole seconds, so the RFC 3339 text round-trips exactly.
  const expires = new Date((issuedAtSeconds + Math.ceil(input.ttlMs / 1000)) * 1000).toISOString().replace('.000Z', 'Z');
  const request = encodeJsonParam({
    amount: input.amountBaseUnits.toString(),
    currency: terms.currency,
    recipient: terms.recipient,
    externalId: input.externalId,
    methodDetails: { chainId: terms.chainId, decimals: terms.decimals, credentialTypes: [...CREDENTIAL_TYPES] },
  });
  const opaque = encodeJsonParam({ iat: String(issuedAtSeconds), wc: input.worstCaseMicros?.toString() });
  const binding: ChallengeBinding = { realm: terms.realm, method: PAYMENT_METHOD, intent: PAYMENT_INTENT, request, expires, digest: input.digest, opaque };
  const id = challengeId(binding, secret);
  const header = formatPaymentChallenge([
    ['id', id],
    ['realm', terms.realm],
    ['method', PAYMENT_METHOD],
    ['intent', PAYMENT_INTENT],
    ['expires', expires],
    ['description', input.description],
    ['digest', input.digest],
    ['opaque', opaque],
    ['request', request],
  ]);
  return { id, realm: terms.realm, method: PAYMENT_METHOD, intent: PAYMENT_INTENT, request, expires, digest: input.digest, opaque, description: input.description, amountBaseUnits: input.amountBaseUnits, issuedAtSeconds, worstCaseMicros: input.worstCaseMicros, header };
}

export type CredentialCheck =
  | {
      ok: true;
      challengeId: string;
      amountBaseUnits: bigint;
      issuedAtSeconds: number;
      expiresAtMs: number;
      /** Only with `allowExpired`: the challenge is past its expiry (a late payment, booked but never served). */
      expired: boolean;
      /** The worst-case cost the challenge was issued for (micro-USD), when it says. */
      worstCaseMicros?: bigint;
      externalId?: string;
      proof: { type: 'transaction'; signedTransaction: string } | { type: 'hash'; txHash: string } | { type: 'balance'; signature: string };
      /** The payer named by `source` (`did:pkh:eip155:<chainId>:<address>`), when given. */
      source?: string;
    }
  | { ok: false; problem: ProblemType; detail: string; challengeId?: string };

const DID_PKH = /^did:pkh:eip155:(\d{1,12}):(0x[0-9a-fA-F]{40})$/;

/**
 * Decodes `Authorization: Payment <credential>` and checks the challenge it echoes: our realm, method and intent,
 * the HMAC id (no field was changed), not expired, bound to this request's body, our chain, token and recipient.
 */
export function checkCredential(credential: string, context: { terms: ChargeTerms; secret: string; nowMs: number; digest?: string; allowExpired?: boolean }): CredentialCheck {
  const bytes = base64UrlDecode(credential);
  let json: unknown;
  try {
    json = bytes ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = PaymentCredentialSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: 'malformed-credential', detail: 'The credential is not base64url JSON {challenge, payload:{type:"transaction",signature}|{type:"hash",hash}|{type:"balance",signature}}.' };
  }
  const { challenge, payload, source } = parsed.data;
  const { terms } = context;
  const fail = (problem: ProblemType, detail: string): CredentialCheck => ({ ok: false, problem, detail, challengeId: challenge.id });
  if (challenge.method !== PAYMENT_METHOD || challenge.intent !== PAYMENT_INTENT || challenge.realm !== terms.realm) {
    return fail('invalid-challenge', 'The challenge was not issued by this server for evm/charge.');
  }
  const binding: ChallengeBinding = { realm: challenge.realm, method: challenge.method, intent: challenge.intent, request: challenge.request, expires: challenge.expires, digest: challenge.digest, opaque: challenge.opaque };
  if (!challengeIdMatches(binding, challenge.id, context.secret)) return fail('invalid-challenge', 'The challenge id does not match its fields (altered or not ours).');
  // From here on every field is ours, unaltered.
  const expiresAtMs = challenge.expires ? Date.parse(challenge.expires) : Number.NaN;
  if (!Number.isFinite(expiresAtMs)) return fail('invalid-challenge', 'The challenge has no expiry.');
  const expired = context.nowMs >= expiresAtMs;
  // A balance credential moves no money on chain: expired means expired.
  if (expired && (!context.allowExpired || payload.type === 'balance')) return fail('payment-expired', `The challenge expired at ${challenge.expires}; pay the fresh one.`);
  if (challenge.digest !== context.digest) return fail('invalid-challenge', 'The challenge was issued for a different request body.');
  const request = ChargeRequestSchema.safeParse(decodeJsonParam(challenge.request));
  const opaque = OpaqueSchema.safeParse(challenge.opaque ? decodeJsonParam(challenge.opaque) : undefined);
  if (!request.success || !opaque.success) return fail('invalid-challenge', 'The challenge request cannot be read.');
  const charge = request.data;
  if (charge.methodDetails.chainId !== terms.chainId || charge.currency.toLowerCase() !== terms.currency.toLowerCase() || charge.recipient.toLowerCase() !== terms.recipient.toLowerCase()) {
    return fail('invalid-challenge', 'The challenge names another chain, token or recipient than this server accepts now.');
  }
  let payer: string | undefined;
  if (source !== undefined) {
    const did = DID_PKH.exec(source);
    if (!did || Number(did[1]) !== terms.chainId) return fail('malformed-credential', `source must be did:pkh:eip155:${terms.chainId}:<address>.`);
    payer = did[2];
  }
  if (payload.type === 'balance' && payer === undefined) return fail('malformed-credential', `A balance credential needs source did:pkh:eip155:${terms.chainId}:<address>.`);
  return {
    ok: true,
    challengeId: challenge.id,
    amountBaseUnits: BigInt(charge.amount),
    issuedAtSeconds: Number(opaque.data.iat),
    expiresAtMs,
    expired,
    worstCaseMicros: opaque.data.wc !== undefined ? BigInt(opaque.data.wc) : undefined,
    externalId: charge.externalId,
    proof:
      payload.type === 'transaction'
        ? { type: 'transaction', signedTransaction: payload.signature }
        : payload.type === 'hash'
          ? { type: 'hash', txHash: payload.hash.toLowerCase() }
          : { type: 'balance', signature: payload.signature },
    source: payer,
  };
}

/** RFC 9457 problem details for a 402 (also tells a human what to do). */
export function problemBody(problem: ProblemType, detail: string, challenge: IssuedChallenge, terms: ChargeTerms) {
  return {
    type: `https://paymentauth.org/problems/${problem}`,
    title: PROBLEM_TYPES[problem],
    status: 402,
    detail,
    challengeId: challenge.id,
    amount: challenge.amountBaseUnits.toString(),
    currency: terms.currency,
    recipient: terms.recipient,
    chainId: terms.chainId,
    expires: challenge.expires,
    /** Sign this (EIP-191) for a `balance` credential: pay this challenge from your address's leftover balance. */
    balanceMessage: balanceMessage(terms.realm, challenge.id),
    instructions:
      `Pay exactly ${viem().formatUnits(challenge.amountBaseUnits, terms.decimals)} ${terms.symbol} (${challenge.amountBaseUnits} base units) to ${terms.recipient} on chain ${terms.chainId} ` +
      `(token ${terms.currency}), then repeat this request with the same body and "Authorization: Payment <credential>": base64url JSON ` +
      `{"challenge":{…the WWW-Authenticate parameters…},"payload":{"type":"transaction","signature":"0x<signed transfer>"}} (we broadcast it) ` +
      `or {"type":"hash","hash":"0x<tx hash>"} (you broadcast it). Anything above the actual cost stays as your address's balance. ` +
      `To pay from that balance instead, send {"type":"balance","signature":"0x<EIP-191 signature of the balance message>"} with ` +
      `"source":"did:pkh:eip155:${terms.chainId}:<your address>"; the message is "${balanceMessage(terms.realm, challenge.id).replace(/\n/g, '\\n')}".`,
  };
}

/** `Payment-Receipt` value (core fields plus the evm method's challengeId and chainId). */
export function encodeReceipt(receipt: { challengeId: string; reference: string; timestampMs: number; chainId: number; externalId?: string }): string {
  return Buffer.from(
    JSON.stringify({
      method: PAYMENT_METHOD,
      challengeId: receipt.challengeId,
      reference: receipt.reference,
      status: 'success',
      timestamp: new Date(receipt.timestampMs).toISOString(),
      chainId: receipt.chainId,
      ...(receipt.externalId ? { externalId: receipt.externalId } : {}),
    }),
  ).toString('base64url');
}

/**
 * What a payer signs (EIP-191 personal_sign) to pay a challenge from its leftover balance: the challenge id binds
 * amount, body digest, expiry and realm (it is their HMAC), so the signature is good for this one request only.
 */
export function balanceMessage(realm: string, challengeId: string): string {
  return `Switchyard agent payment from balance\nrealm: ${realm}\nchallenge: ${challengeId}`;
}

/** What a payer signs (EIP-191) to ask for its leftover balance back; `issued` (RFC 3339) bounds its life. */
export function refundMessage(realm: string, chainId: number, address: string, issued: string): string {
  return `Switchyard agent payment refund\nrealm: ${realm}\nchain: ${chainId}\naddress: ${address}\nissued: ${issued}`;
}
