import { z } from 'zod';
import { defineCommand } from '../define-contract';
import { IdempotencyKey, MicrosString, NonNegativeMicrosString, Uuid } from '../primitives';
import { TRANSFER_REASONS } from './ledger-accounts';

const AccountCode = z.string().min(3).max(200).regex(/^[a-z_]+(:[A-Za-z0-9_.-]+)+$/, 'an account code like liability:workspace_credit:<id>');
const Metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({});

/** Opens a workspace's accounts (credit balance, receivable). Idempotent. */
export const LedgerAccountOpen = defineCommand({
  subject: 'ledger.account.open',
  request: z.object({ workspaceId: Uuid }),
  response: z.object({ workspaceId: Uuid, accountCodes: z.array(z.string()) }),
});

/** An on-chain asset account `asset:crypto:<chainId>:<token>` (what deposits and agent payments debit), opened once. */
export const CRYPTO_ASSET_ACCOUNT = /^asset:crypto:\d{1,12}:[a-z0-9]{1,20}$/;

export const LedgerAssetAccountOpen = defineCommand({
  subject: 'ledger.assetaccount.open',
  request: z.object({ accountCode: z.string().regex(CRYPTO_ASSET_ACCOUNT, 'must be asset:crypto:<chainId>:<token>') }),
  response: z.object({ accountCode: z.string() }),
});

/**
 * Reserves up to `amountMicros` of a workspace's credit for one request (a pending transfer).
 * With `minAmountMicros` the ledger holds what the balance affords between the two, so the caller can
 * lower `max_tokens` instead of refusing; below the minimum it answers `insufficient_balance`.
 */
export const LedgerHoldCreate = defineCommand({
  subject: 'ledger.hold.create',
  request: z.object({
    holdId: z.string().min(1).max(100),
    workspaceId: Uuid,
    amountMicros: NonNegativeMicrosString,
    minAmountMicros: NonNegativeMicrosString.optional(),
    timeoutMs: z.number().int().min(1_000).max(3_600_000),
    metadata: Metadata,
  }),
  response: z.object({
    holdId: z.string(),
    status: z.literal('pending'),
    amountMicros: z.string(),
    availableMicros: z.string(),
  }),
});

/** Posts the exact cost of a held request; anything above the hold is charged as guarded overage. Idempotent by holdId. */
export const LedgerHoldCapture = defineCommand({
  subject: 'ledger.hold.capture',
  request: z.object({
    holdId: z.string().min(1).max(100),
    amountMicros: NonNegativeMicrosString,
    metadata: Metadata,
  }),
  response: z.object({
    holdId: z.string(),
    status: z.enum(['posted', 'voided', 'expired']),
    capturedMicros: z.string(),
    releasedMicros: z.string(),
    overageMicros: z.string(),
    unbilledMicros: z.string(),
  }),
});

/** Voids a hold: nothing is charged. Idempotent by holdId. */
export const LedgerHoldRelease = defineCommand({
  subject: 'ledger.hold.release',
  request: z.object({ holdId: z.string().min(1).max(100), reason: z.string().max(200) }),
  response: z.object({ holdId: z.string(), status: z.enum(['posted', 'voided', 'expired']), releasedMicros: z.string() }),
});

export const TransferInputSchema = z.object({
  idempotencyKey: IdempotencyKey,
  debitAccount: AccountCode,
  creditAccount: AccountCode,
  amountMicros: NonNegativeMicrosString.refine((v) => v > 0n, 'must be positive'),
  reason: z.enum(TRANSFER_REASONS),
  metadata: Metadata,
});

/** Commits several transfers as one business event: all of them or none. */
export const LedgerTransferCreate = defineCommand({
  subject: 'ledger.transfer.create',
  request: z.object({ journalKey: IdempotencyKey, transfers: z.array(TransferInputSchema).min(1).max(50) }),
  response: z.object({
    journalKey: z.string(),
    transfers: z.array(z.object({ idempotencyKey: z.string(), transferId: z.string(), status: z.enum(['created', 'exists']) })),
  }),
});

export const LedgerBalanceGet = defineCommand({
  subject: 'ledger.balance.get',
  request: z.object({ workspaceId: Uuid }),
  response: z.object({
    workspaceId: Uuid,
    postedMicros: z.string(),
    pendingMicros: z.string(),
    availableMicros: z.string(),
  }),
});

export { AccountCode, MicrosString };
