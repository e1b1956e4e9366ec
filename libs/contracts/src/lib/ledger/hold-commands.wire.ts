import type { CommandContract, ReplyEnvelope } from '../define-contract';
import { LedgerHoldCapture, LedgerHoldCreate, LedgerHoldRelease } from './ledger-commands';

/**
 * The batched hold path: one core NATS message carries up to HOLD_COMMANDS_MAX_PER_MESSAGE hold commands, the
 * reply one envelope per command, same order. It exists only because the per-message cost of the Nest transport
 * dominated the ledger's CPU (bench/ledger/README.md); each item is still validated by its own contract.
 */
export const HOLD_COMMANDS_SUBJECT = 'ledger.hold.batch';

/** Commands per message: bounds the message size (≈ 1 KB per create) and one reply's latency. */
export const HOLD_COMMANDS_MAX_PER_MESSAGE = 256;

export const HOLD_COMMAND_CONTRACTS = {
  create: LedgerHoldCreate,
  capture: LedgerHoldCapture,
  release: LedgerHoldRelease,
} as const satisfies Record<string, CommandContract>;

export type HoldCommandOp = keyof typeof HOLD_COMMAND_CONTRACTS;

/** One item of the request array; `payload` is the item contract's request. */
export interface HoldCommandItem {
  op: HoldCommandOp;
  payload: unknown;
  requestId?: string;
}

/** The reply: one envelope per item, or a single envelope when the message as a whole was refused. */
export type HoldCommandsReply = Array<ReplyEnvelope<unknown>> | ReplyEnvelope<never>;

export function isHoldCommandOp(op: unknown): op is HoldCommandOp {
  return op === 'create' || op === 'capture' || op === 'release';
}
