import { z } from 'zod';
import { defineCommand, defineEvent, defineStream } from '../define-contract';
import { IsoTimestamp, Uuid } from '../primitives';

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an EVM address');
const TxHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte transaction hash');
/** An unsigned integer as a decimal string (block numbers, token base units: uint256 does not fit a number). */
const UintString = z.string().regex(/^\d{1,78}$/, 'an unsigned integer as a decimal string');

/** `(chainId, txHash, logIndex)`: one Transfer log, credited at most once. Also the event's `Nats-Msg-Id`. */
export function depositKey(chainId: number, txHash: string, logIndex: number): string {
  return `${chainId}:${txHash.toLowerCase()}:${logIndex}`;
}

export const ChainEventsStream = defineStream({
  name: 'CHAIN_EVENTS',
  subjects: ['chain.deposit.*'],
  duplicateWindowMs: 2 * 3_600_000,
  maxAgeMs: 30 * 24 * 3_600_000,
});

/**
 * A Transfer log of the configured token to a workspace's deposit address reached the `finalized` block.
 * Published through the chain-watcher's outbox; consumers stay idempotent on the key.
 */
export const ChainDepositConfirmed = defineEvent({
  subject: 'chain.deposit.confirmed',
  stream: ChainEventsStream,
  messageId: (p) => depositKey(p.chainId, p.txHash, p.logIndex),
  payload: z.object({
    chainId: z.number().int().min(1),
    txHash: TxHash,
    logIndex: z.number().int().min(0),
    blockNumber: UintString,
    blockHash: TxHash,
    token: Address,
    tokenSymbol: z.string().min(1).max(20),
    tokenDecimals: z.number().int().min(0).max(36),
    from: Address,
    to: Address,
    workspaceId: Uuid,
    amountBaseUnits: UintString,
    confirmedAt: IsoTimestamp,
  }),
});

export const DepositTokenSchema = z.object({ address: Address, symbol: z.string(), decimals: z.number().int() });

/** The workspace's deposit address (derived from the operator's xpub on first use, then stable). */
export const ChainAddressGet = defineCommand({
  subject: 'chain.address.get',
  request: z.object({ workspaceId: Uuid }),
  response: z.object({
    workspaceId: Uuid,
    chainId: z.number().int(),
    address: Address,
    token: DepositTokenSchema,
    minimumMicros: z.string(),
    feeBasisPoints: z.number().int(),
  }),
});

export const DepositStatus = z.enum(['pending', 'confirmed', 'dropped']);

export const DepositView = z.object({
  key: z.string(),
  chainId: z.number().int(),
  txHash: z.string(),
  logIndex: z.number().int(),
  blockNumber: z.string(),
  from: z.string(),
  to: z.string(),
  amountBaseUnits: z.string(),
  amountMicros: z.string(),
  /** pending: not yet final; confirmed: at or below the finalized block; dropped: reorged out before finality. */
  status: DepositStatus,
  confirmations: z.string(),
  /** below_minimum: final, waiting for the workspace total to reach the minimum; credited: booked in the ledger. */
  creditStatus: z.enum(['not_final', 'below_minimum', 'crediting', 'credited', 'none']),
  credit: z
    .object({ creditId: z.string(), grossMicros: z.string(), feeMicros: z.string(), netMicros: z.string(), bookedAt: z.string().nullable() })
    .nullable(),
  seenAt: z.string(),
  confirmedAt: z.string().nullable(),
});

/** Looks a transaction up now instead of waiting for the follower; credits only the owners of the receiving addresses. */
export const ChainTxVerify = defineCommand({
  subject: 'chain.tx.verify',
  request: z.object({ workspaceId: Uuid, txHash: TxHash }),
  response: z.object({
    txHash: z.string(),
    status: z.enum(['not_found', 'reverted', 'no_matching_transfer', 'pending', 'confirmed']),
    confirmations: z.string().nullable(),
    /** Only the caller's own deposits in this transaction. */
    deposits: z.array(DepositView),
  }),
});

export const ChainDepositsList = defineCommand({
  subject: 'chain.deposits.list',
  request: z.object({ workspaceId: Uuid, limit: z.number().int().min(1).max(500).default(100) }),
  response: z.object({
    deposits: z.array(DepositView),
    /** Final deposits not yet credited because the workspace total is below the minimum. */
    belowMinimumMicros: z.string(),
    minimumMicros: z.string(),
    feeBasisPoints: z.number().int(),
  }),
});

export * from './chain-payments';
