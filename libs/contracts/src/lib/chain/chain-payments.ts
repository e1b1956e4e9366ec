import { z } from 'zod';
import { defineCommand } from '../define-contract';

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an EVM address');
const TxHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte transaction hash');
const UintString = z.string().regex(/^\d{1,78}$/, 'an unsigned integer as a decimal string');

/** What an agent handed over as proof of payment (MPP `evm` method, `charge` intent). */
export const PaymentProofSchema = z.discriminatedUnion('type', [
  /** A signed EIP-1559/legacy `transfer(recipient, amount)` of the token; the chain-watcher broadcasts it. */
  z.object({ type: z.literal('transaction'), signedTransaction: z.string().regex(/^0x[0-9a-fA-F]{2,16000}$/, 'a serialized signed transaction') }),
  /** A transfer the agent broadcast itself. */
  z.object({ type: z.literal('hash'), txHash: TxHash }),
]);
export type PaymentProof = z.output<typeof PaymentProofSchema>;

/** Why a proof did not settle; `pending` outcomes may settle on a retry of the same credential. */
export const PaymentRejectionReason = z.enum([
  'chain_mismatch',
  'token_mismatch',
  'not_a_token_transfer',
  'recipient_mismatch',
  'recipient_is_deposit_address',
  'amount_too_low',
  'amount_mismatch',
  'source_mismatch',
  'broadcast_failed',
  'not_found',
  'reverted',
  'no_matching_transfer',
  'before_challenge',
  'not_canonical',
]);
export type PaymentRejectionReason = z.output<typeof PaymentRejectionReason>;

/**
 * Verifies (and for `transaction`, broadcasts) one agent payment against what a challenge asked for, then waits up
 * to `waitMs` for the operator's finality: `receipt` (a successful receipt on the canonical chain) or `finalized`
 * (the chain-watcher's confirmation policy, as for deposits). Stateless: replay protection and booking are the
 * caller's (the gateway's single-use challenge and the ledger's journal key).
 */
export const ChainPaymentSettle = defineCommand({
  subject: 'chain.payment.settle',
  request: z.object({
    proof: PaymentProofSchema,
    chainId: z.number().int().min(1),
    token: Address,
    recipient: Address,
    /** `hash`: the Transfer must carry exactly this (the challenge's unique amount); `transaction`: at least this. */
    amountBaseUnits: UintString,
    /** The including block's timestamp must be at or after this (the challenge's issue time, unix seconds). */
    notBeforeUnixSeconds: z.number().int().min(0),
    /** When the credential names a payer (`did:pkh` source), the transfer must come from it. */
    source: Address.optional(),
    finality: z.enum(['receipt', 'finalized']),
    waitMs: z.number().int().min(0).max(300_000),
    /**
     * `transaction` only: false = never broadcast it ourselves, only look for it on chain (a late credential whose
     * challenge expired: its transfer is booked when someone mined it, and stays unsent otherwise). Default true.
     */
    broadcast: z.boolean().optional(),
  }),
  response: z.discriminatedUnion('status', [
    z.object({
      status: z.literal('settled'),
      payment: z.object({
        chainId: z.number().int(),
        txHash: TxHash,
        logIndex: z.number().int().min(0),
        blockNumber: UintString,
        token: Address,
        from: Address,
        to: Address,
        amountBaseUnits: UintString,
      }),
    }),
    /** Broadcast or found, but not final (or no receipt yet) within waitMs: the same credential can be retried. */
    z.object({ status: z.literal('pending'), txHash: TxHash }),
    z.object({ status: z.literal('rejected'), reason: PaymentRejectionReason, detail: z.string().max(500) }),
  ]),
});

/**
 * Sends `amountBaseUnits` of the deployment's token from the operator's payout (hot) wallet to `to` — an agent
 * payer's refund — and waits up to `waitMs` for a successful receipt. The caller books it (payer credit → crypto
 * asset) before asking, and reverses that booking only on `failed` (nothing left the wallet).
 */
export const ChainPaymentPayout = defineCommand({
  subject: 'chain.payment.payout',
  request: z.object({
    payoutId: z.string().min(1).max(100),
    chainId: z.number().int().min(1),
    token: Address,
    to: Address,
    amountBaseUnits: UintString,
    waitMs: z.number().int().min(0).max(300_000),
  }),
  response: z.discriminatedUnion('status', [
    /** Mined with a successful receipt. */
    z.object({ status: z.literal('sent'), txHash: TxHash, from: Address, blockNumber: UintString }),
    /** Broadcast, no receipt within waitMs (or the outcome is unknown): the money may have left; do not reverse. */
    z.object({ status: z.literal('submitted'), txHash: TxHash, from: Address }),
    /** Definitely not sent (no payout wallet, simulation failed, node refused, or the transfer reverted). */
    z.object({ status: z.literal('failed'), detail: z.string().max(500) }),
  ]),
});
